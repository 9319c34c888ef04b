import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { callProvider, providerRefusal, unreadableAnswer } from "../provider-http.js";
import type { VonageConfig } from "./config.js";
import { vonageRefusal } from "./errors.js";

/** Conservative: ten concatenated parts; Vonage refuses longer text with status 12. */
export const VONAGE_TEXT_CHARS = 1530;
/** `client-ref`: "your own reference of up to 40 characters" (sms.yml NewMessage). */
const CLIENT_REF_MAX = 40;

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

export function smsUrl(config: VonageConfig): string {
  return `${config.apiBaseUrl.replace(/\/+$/, "")}/sms/json`;
}

/** GSM 03.38 basic and extension characters: anything else needs `type=unicode`. */
/** A number as Vonage's SMS API takes it: E.164 digits, with or without the "+". */
export function isVonageAddress(to: string): boolean {
  return /^\+?\d{7,15}$/.test(to);
}

const GSM = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€\f]*$/;

/**
 * The form body of `POST /sms/json` (sms.yml NewMessage): api_key, api_secret, from, to, text,
 * type (unicode when the text leaves the GSM alphabet) and client-ref = the correlation id, which
 * the delivery receipt echoes.
 */
export function buildSmsForm(message: OutboundMessage, config: VonageConfig): URLSearchParams {
  const to = message.to.replace(/^\+/, "");
  if (!isVonageAddress(message.to)) {
    throw sendFailed(`"${message.to}" is not a phone number in E.164 (447700900000).`);
  }
  const text = numberedChoices(message.text, message.choices ?? []);
  if (text.trim().length === 0) throw sendFailed("Cannot send an empty SMS.");
  if (text.length > VONAGE_TEXT_CHARS) {
    throw sendFailed(
      `The message is ${text.length} characters; Tern sends at most ${VONAGE_TEXT_CHARS} by SMS. Shorten it.`,
    );
  }
  const form = new URLSearchParams();
  form.set("api_key", config.apiKey);
  form.set("api_secret", config.apiSecret);
  form.set("from", config.from.replace(/^\+/, ""));
  form.set("to", to);
  form.set("text", text);
  form.set("type", GSM.test(text) ? "text" : "unicode");
  if (message.correlationId && message.correlationId.length <= CLIENT_REF_MAX) {
    form.set("client-ref", message.correlationId);
  }
  return form;
}

interface SmsPart {
  status?: unknown;
  "message-id"?: unknown;
  "error-text"?: unknown;
}

/**
 * Sends one SMS. The answer lists one entry per part: every part must have status "0"; the
 * first part's `message-id` is the message's id (its receipts carry the client-ref too).
 * https://developer.vonage.com/en/api/sms#send-an-sms
 */
export async function send(
  message: OutboundMessage,
  config: VonageConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  const form = buildSmsForm(message, config);
  const secrets = [config.apiSecret, config.signatureSecret];
  const call = {
    provider: "Vonage",
    fetch: deps.fetch,
    url: smsUrl(config),
    init: {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
    },
    secrets,
  };
  const answer = await callProvider(call);
  if (answer.status !== 200) throw providerRefusal(call, answer, undefined);
  const parts = partsOf(answer.json);
  if (parts.length === 0) throw unreadableAnswer("Vonage", answer, "messages");
  const refused = parts.find((p) => String(p.status) !== "0");
  if (refused) {
    const errorText = typeof refused["error-text"] === "string" ? refused["error-text"] : undefined;
    const error = vonageRefusal(String(refused.status ?? "?"), errorText, secrets);
    const accepted = parts.filter((p) => String(p.status) === "0").length;
    // Some parts went out: sending the text again would send those twice.
    if (accepted > 0) {
      throw new AppError(
        "CHANNEL_SEND_FAILED",
        `Vonage sent ${accepted} of the message's ${parts.length} parts and refused the rest; not sent again, so the customer does not get the first parts twice. ${error.message}`,
        { retry: "never", details: error.details },
      );
    }
    throw error;
  }
  const id = parts[0]?.["message-id"];
  if (typeof id !== "string" || id.length === 0) throw unreadableAnswer("Vonage", answer, "message-id");
  return { providerMessageId: id };
}

function partsOf(json: unknown): SmsPart[] {
  if (!json || typeof json !== "object" || !("messages" in json) || !Array.isArray(json.messages)) return [];
  return json.messages.filter((m: unknown): m is SmsPart => m !== null && typeof m === "object");
}
