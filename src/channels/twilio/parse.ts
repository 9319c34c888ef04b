import type {
  InboundContent,
  InboundMessage,
  ParsedWebhook,
  RejectedItem,
  StatusEvent,
  WebhookBatch,
  WebhookRequest,
} from "../channel.js";
import { firstValues, formOf, readForm } from "../form-body.js";
import { payloadInvalid } from "../payload.js";
import { queryOf } from "./verify.js";

/**
 * One Twilio Messaging webhook = one form-encoded message or status callback (no batching).
 * Incoming message: https://www.twilio.com/docs/messaging/guides/webhook-request
 * Status callback: https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 * A body without `AccountSid` and a message SID is not Twilio's; a Twilio message without a
 * sender is a rejected item. Twilio adds parameters without notice, so unknown ones are ignored.
 */
export function parse(req: WebhookRequest): ParsedWebhook {
  // A number whose webhook is set to HTTP GET sends the same fields as a query string.
  const fields = firstValues(req.method === "GET" ? readForm(queryOf(req.url)) : formOf(req.rawBody));
  const sid = fields.MessageSid ?? fields.SmsMessageSid ?? fields.SmsSid;
  if (!fields.AccountSid || !sid) {
    throw payloadInvalid(
      "Not a Twilio Messaging webhook: expected form fields AccountSid and MessageSid (application/x-www-form-urlencoded).",
    );
  }
  const event =
    fields.MessageStatus && !isInboundStatus(fields.MessageStatus)
      ? toStatus(sid, fields)
      : toMessage(sid, fields);
  // Each number posts to its own webhook URL: the account is informative only.
  const batch: WebhookBatch = { account: fields.AccountSid, path: "", raw: fields, events: [], rejected: [] };
  if (event === null) return { batches: [batch], rejected: [] };
  if ("reason" in event) batch.rejected.push(event);
  else batch.events.push(event);
  return { batches: [batch], rejected: [] };
}

/** `received` / `receiving` describe an incoming message, not one Tern sent. */
function isInboundStatus(status: string): boolean {
  return status === "received" || status === "receiving";
}

/**
 * Twilio's MessageStatus → Tern's status. `failed` (never sent) and `undelivered` (the carrier
 * refused it) carry ErrorCode, kept so a fallback can tell why (e.g. 30003 unreachable, 30007
 * filtered, 63016 outside the WhatsApp window). Intermediate states (queued, accepted, sending,
 * scheduled) are not events. https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
 */
function toStatus(sid: string, fields: Record<string, string>): StatusEvent | RejectedItem | null {
  const recipient = fields.To ?? "";
  const base = { kind: "status" as const, providerMessageId: sid, timestamp: 0, recipient };
  switch (fields.MessageStatus) {
    case "sent":
      return { ...base, status: "sent" };
    case "delivered":
    case "partially_delivered":
      return { ...base, status: "delivered" };
    case "read":
      return { ...base, status: "read" };
    case "failed":
    case "undelivered":
    case "canceled": {
      const code = fields.ErrorCode && fields.ErrorCode !== "" ? fields.ErrorCode : fields.MessageStatus;
      return {
        ...base,
        status: "failed",
        errors: [
          {
            code: /^\d+$/.test(code) ? Number(code) : code,
            title: `Twilio message ${fields.MessageStatus}`,
            ...(fields.ErrorMessage ? { message: fields.ErrorMessage } : {}),
          },
        ],
      };
    }
    default:
      return null;
  }
}

function toMessage(sid: string, fields: Record<string, string>): InboundMessage | RejectedItem {
  const from = fields.From;
  if (!from) return { path: "", reason: "message has no From", item: fields };
  const phone = from.replace(/^whatsapp:/, "");
  return {
    kind: "message",
    providerMessageId: sid,
    // The address Twilio gave, prefix kept: a reply to `whatsapp:+1…` must go out over WhatsApp.
    from,
    ...(/^\+[1-9]\d{6,14}$/.test(phone) ? { phone } : {}),
    ...(fields.ProfileName ? { profileName: fields.ProfileName } : {}),
    // Twilio's message webhook carries no timestamp; 0 = the time Tern received it.
    timestamp: 0,
    content: contentOf(fields),
    ...optOutOf(fields),
  };
}

/**
 * Twilio's own opt-out handling: after any of these words it refuses every send to the number
 * (21610) until an opt-in word, so Tern must record the opt-out too, whatever its keyword list.
 * With Advanced Opt-Out, Twilio says so itself in `OptOutType`.
 * https://help.twilio.com/articles/223134027 (default keywords)
 * https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out
 */
const TWILIO_OPT_OUT = new Set([
  "stop",
  "stopall",
  "unsubscribe",
  "cancel",
  "end",
  "quit",
  "revoke",
  "optout",
]);
const TWILIO_OPT_IN = new Set(["start", "yes", "unstop"]);

function optOutOf(fields: Record<string, string>): { optOut?: "stop" | "start" } {
  const type = fields.OptOutType?.toUpperCase();
  if (type === "STOP") return { optOut: "stop" };
  if (type === "START") return { optOut: "start" };
  const word = (fields.Body ?? "").trim().toLowerCase();
  if (TWILIO_OPT_OUT.has(word)) return { optOut: "stop" };
  if (TWILIO_OPT_IN.has(word)) return { optOut: "start" };
  return {};
}

function contentOf(fields: Record<string, string>): InboundContent {
  const body = fields.Body ?? "";
  // WhatsApp quick-reply button: https://www.twilio.com/docs/whatsapp/buttons
  if (fields.ButtonPayload) {
    const title = fields.ButtonText ?? fields.ButtonPayload;
    return { type: "choice", id: fields.ButtonPayload, title, text: title };
  }
  const latitude = Number(fields.Latitude);
  const longitude = Number(fields.Longitude);
  if (fields.Latitude && fields.Longitude && Number.isFinite(latitude) && Number.isFinite(longitude)) {
    return {
      type: "location",
      latitude,
      longitude,
      ...(fields.Label ? { name: fields.Label } : {}),
      ...(fields.Address ? { address: fields.Address } : {}),
      text: [fields.Label, fields.Address].filter(Boolean).join(", "),
    };
  }
  const media = Number(fields.NumMedia ?? "0");
  if (Number.isInteger(media) && media > 0 && fields.MediaUrl0) {
    const mimeType = fields.MediaContentType0;
    return {
      type: "media",
      mediaType: mediaTypeOf(mimeType),
      // MMS media is fetched from this URL with the account's Basic auth.
      mediaId: fields.MediaUrl0,
      ...(mimeType ? { mimeType } : {}),
      ...(body ? { caption: body } : {}),
      text: body,
    };
  }
  return { type: "text", text: body };
}

function mediaTypeOf(mimeType: string | undefined): "image" | "video" | "audio" | "document" {
  if (mimeType?.startsWith("image/")) return "image";
  if (mimeType?.startsWith("video/")) return "video";
  if (mimeType?.startsWith("audio/")) return "audio";
  return "document";
}
