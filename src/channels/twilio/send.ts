import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { callProvider, unreadableAnswer } from "../provider-http.js";
import { isMessagingService, type TwilioConfig } from "./config.js";
import { twilioRefusal } from "./errors.js";
import { TWILIO_ADDRESS, TwilioLimits } from "./limits.js";

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

export function messagesUrl(config: TwilioConfig): string {
  return `${config.apiBaseUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${config.accountSid}/Messages.json`;
}

/**
 * The form body of `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`: To, From or
 * MessagingServiceSid, Body (choices as numbered lines: SMS has no buttons), and StatusCallback
 * when `publicUrl` is set. A reply to a WhatsApp address goes out from the WhatsApp form of the
 * configured number. https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 */
export function buildMessageForm(message: OutboundMessage, config: TwilioConfig): URLSearchParams {
  if (!TWILIO_ADDRESS.test(message.to)) {
    throw sendFailed(`"${message.to}" is not an E.164 phone number (+14155550100) or whatsapp:+… address.`);
  }
  const body = numberedChoices(message.text, message.choices ?? []);
  if (body.trim().length === 0) throw sendFailed("Cannot send an empty Twilio message.");
  if (body.length > TwilioLimits.bodyChars) {
    throw sendFailed(
      `The message is ${body.length} characters; Twilio allows ${TwilioLimits.bodyChars} (error 21617). Shorten it.`,
    );
  }
  const form = new URLSearchParams();
  form.set("To", message.to);
  if (isMessagingService(config.from)) form.set("MessagingServiceSid", config.from);
  else form.set("From", fromFor(message.to, config.from));
  form.set("Body", body);
  if (config.publicUrl) form.set("StatusCallback", config.publicUrl);
  return form;
}

function fromFor(to: string, from: string): string {
  const isWhatsApp = to.startsWith("whatsapp:");
  if (isWhatsApp && !from.startsWith("whatsapp:")) return `whatsapp:${from}`;
  if (!isWhatsApp && from.startsWith("whatsapp:")) return from.slice("whatsapp:".length);
  return from;
}

/**
 * Creates the message: HTTP Basic AccountSid:AuthToken, form body, 201 `{sid, status, …}`.
 * Twilio takes no idempotency key and echoes nothing Tern could correlate, so a send whose
 * outcome is unknown is not repeated (capabilities: at most once).
 */
export async function send(
  message: OutboundMessage,
  config: TwilioConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  const form = buildMessageForm(message, config);
  const basic = Buffer.from(`${config.accountSid}:${config.authToken}`).toString("base64");
  const secrets = [config.authToken, basic];
  const answer = await callProvider({
    provider: "Twilio",
    fetch: deps.fetch,
    url: messagesUrl(config),
    init: {
      method: "POST",
      headers: {
        authorization: `Basic ${basic}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: form.toString(),
    },
    secrets,
  });
  if (answer.status === 200 || answer.status === 201) {
    const sid = sidOf(answer.json);
    if (!sid) throw unreadableAnswer("Twilio", answer, "message sid");
    return { providerMessageId: sid };
  }
  throw twilioRefusal(answer, secrets);
}

function sidOf(json: unknown): string | undefined {
  if (!json || typeof json !== "object" || !("sid" in json)) return undefined;
  return typeof json.sid === "string" && json.sid.length > 0 ? json.sid : undefined;
}
