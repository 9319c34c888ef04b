import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import type { OutboundMessage, SendResult } from "../channel.js";
import { choiceMisfit } from "../choice-fit.js";
import { retryAfterMs, unreadableAnswer } from "../provider-http.js";
import type { WhatsAppConfig } from "./config.js";
import { type GraphError, graphErrorToAppError, networkErrorToAppError } from "./errors.js";
import { BSUID_PATTERN, charLength, WhatsAppLimits as L, WhatsAppChoices } from "./limits.js";

/** Label of the button that opens a list message (≤ 20 characters). */
export const LIST_BUTTON_LABEL = "Choose";

type Choice = { id: string; title: string };

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

/** The recipient: a wa_id goes in `to`; a business-scoped user id goes in `recipient` (2026). */
function recipientFields(to: string): Record<string, string> {
  if (BSUID_PATTERN.test(to)) return { recipient: to };
  if (!isWhatsAppAddress(to)) {
    throw sendFailed(`"${to}" is neither a WhatsApp id (phone digits) nor a business-scoped user id.`);
  }
  return { to: to.replace(/[\s()+-]/g, "") };
}

/** What `to` may be: a wa_id (phone digits; spaces, brackets, "+" and "-" are dropped) or a business-scoped user id. */
export function isWhatsAppAddress(to: string): boolean {
  return BSUID_PATTERN.test(to) || /^\d{6,15}$/.test(to.replace(/[\s()+-]/g, ""));
}

function content(text: string, choices: Choice[]): Record<string, unknown> {
  if (
    choices.length > 0 &&
    text.trim().length > 0 &&
    choiceMisfit(WhatsAppChoices.buttons, choices, text) === null
  ) {
    return {
      type: "interactive",
      interactive: {
        type: "button",
        body: { text },
        action: { buttons: choices.map((c) => ({ type: "reply", reply: { id: c.id, title: c.title } })) },
      },
    };
  }
  if (
    choices.length > 0 &&
    text.trim().length > 0 &&
    choiceMisfit(WhatsAppChoices.lists, choices, text) === null
  ) {
    return {
      type: "interactive",
      interactive: {
        type: "list",
        body: { text },
        action: {
          button: LIST_BUTTON_LABEL,
          sections: [{ rows: choices.map((c) => ({ id: c.id, title: c.title })) }],
        },
      },
    };
  }
  // Too many or too long choices: numbered text; the customer answers with the number or the title.
  const body =
    choices.length > 0 ? `${text}\n\n${choices.map((c, i) => `${i + 1}. ${c.title}`).join("\n")}` : text;
  if (body.trim().length === 0) throw sendFailed("Cannot send an empty WhatsApp message.");
  if (charLength(body) > L.textBodyChars) {
    throw sendFailed(
      `The message is ${charLength(body)} characters; WhatsApp allows ${L.textBodyChars}. Shorten it.`,
    );
  }
  return { type: "text", text: { preview_url: false, body } };
}

/**
 * The JSON body for `POST /{version}/{phone-number-id}/messages`.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
 */
export function buildSendBody(message: OutboundMessage): Record<string, unknown> {
  const body: Record<string, unknown> = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    ...recipientFields(message.to),
    ...content(message.text, message.choices ?? []),
  };
  if (message.correlationId !== undefined) {
    // Not processed by WhatsApp: echoed in the statuses[] webhooks for this message.
    if (Buffer.byteLength(message.correlationId, "utf8") > L.callbackDataBytes) {
      throw sendFailed(
        `correlationId is longer than ${L.callbackDataBytes} bytes (biz_opaque_callback_data limit).`,
      );
    }
    body.biz_opaque_callback_data = message.correlationId;
  }
  return body;
}

export function messagesUrl(config: WhatsAppConfig): string {
  return `${config.apiBaseUrl.replace(/\/+$/, "")}/${config.apiVersion}/${encodeURIComponent(config.phoneNumberId)}/messages`;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function send(
  message: OutboundMessage,
  config: WhatsAppConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  const body = buildSendBody(message);
  let response: Response;
  try {
    // No timeout of its own: the outbound client's default (30 s) bounds it.
    response = await deps.fetch(messagesUrl(config), {
      method: "POST",
      headers: { authorization: `Bearer ${config.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw networkErrorToAppError(error, config.apiBaseUrl, config.accessToken);
  }
  const json = await readJson(response);
  if (!response.ok) {
    const graphError =
      json && typeof json === "object" && "error" in json
        ? (json.error as GraphError | undefined)
        : undefined;
    throw graphErrorToAppError(
      response.status,
      graphError,
      config.accessToken,
      retryAfterMs(response.headers),
    );
  }
  const id = extractMessageId(json);
  if (!id) throw unreadableAnswer("WhatsApp", response, "message id");
  const sentTo = typeof body.to === "string" ? body.to : undefined;
  const waId = extractWaId(json);
  // Meta answers with the account's wa_id, which may differ from the number dialled (Mexico's
  // 521…, an old Brazilian account's 8 digits): the customer's replies come from that one.
  return sentTo !== undefined && waId !== undefined && waId !== sentTo
    ? { providerMessageId: id, recipient: waId }
    : { providerMessageId: id };
}

/** `contacts[0].wa_id` of a send's answer, when it is phone digits. */
function extractWaId(json: unknown): string | undefined {
  if (!json || typeof json !== "object" || !("contacts" in json) || !Array.isArray(json.contacts))
    return undefined;
  const first: unknown = json.contacts[0];
  const waId = first && typeof first === "object" && "wa_id" in first ? first.wa_id : undefined;
  return typeof waId === "string" && /^[1-9]\d{5,14}$/.test(waId) ? waId : undefined;
}

function extractMessageId(json: unknown): string | undefined {
  if (!json || typeof json !== "object" || !("messages" in json) || !Array.isArray(json.messages))
    return undefined;
  const first: unknown = json.messages[0];
  return first && typeof first === "object" && "id" in first && typeof first.id === "string"
    ? first.id
    : undefined;
}
