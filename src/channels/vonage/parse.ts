import type {
  InboundMessage,
  ParsedWebhook,
  RejectedItem,
  StatusEvent,
  WebhookBatch,
  WebhookRequest,
} from "../channel.js";
import { payloadInvalid } from "../payload.js";
import { webhookParams } from "./params.js";

/**
 * One SMS API webhook = one inbound message or one delivery receipt (no batching).
 * Fields: Nexmo/api-specification definitions/sms.yml (InboundMessage, DeliveryReceipt).
 * https://developer.vonage.com/en/messaging/sms/guides/inbound-sms,
 * https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts
 *
 * A long inbound SMS comes as parts, each its own delivery with its own messageId (`concat=true`,
 * `concat-ref`, `concat-part` of `concat-total`; "you must reassemble them":
 * https://developer.vonage.com/en/messaging/sms/guides/inbound-sms#concatenated-messages). Each
 * part is stored as it comes; the worker puts them back together (queue/sms-parts.ts).
 */
export function parse(req: WebhookRequest): ParsedWebhook {
  const params = webhookParams(req);
  if (!params?.messageId) {
    throw payloadInvalid(
      "Not a Vonage SMS API webhook: expected an inbound message or delivery receipt with messageId (query, form or JSON).",
    );
  }
  const batch: WebhookBatch = {
    // The receiving account's API key; one channel per account, so informative only.
    account: params["api-key"],
    path: "",
    raw: withoutSignature(params),
    events: [],
    rejected: [],
  };
  const event = isReceipt(params) ? toStatus(params) : toMessage(params);
  if (event === null) return { batches: [batch], rejected: [] };
  if ("reason" in event) batch.rejected.push(event);
  else batch.events.push(event);
  return { batches: [batch], rejected: [] };
}

function withoutSignature(params: Record<string, string>): Record<string, string> {
  const { sig: _sig, ...rest } = params;
  return rest;
}

/** A delivery receipt has a `status` and no `text` / `type`. */
function isReceipt(params: Record<string, string>): boolean {
  return params.status !== undefined && params.text === undefined && params.type === undefined;
}

/**
 * DLR status → Tern's. `accepted` / `buffered` = handed to the carrier (sent); `failed`,
 * `rejected` and `expired` keep `err-code` so a fallback can tell why; `unknown` is no event.
 * https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts#dlr-status-messages
 */
function toStatus(params: Record<string, string>): StatusEvent | RejectedItem | null {
  const messageId = params.messageId ?? "";
  const base = {
    kind: "status" as const,
    providerMessageId: messageId,
    timestamp: timestampOf(params),
    recipient: params.msisdn ?? "",
    ...(params["client-ref"] ? { correlationId: params["client-ref"] } : {}),
  };
  switch (params.status) {
    case "accepted":
    case "buffered":
      return { ...base, status: "sent" };
    case "delivered":
      return { ...base, status: "delivered" };
    case "failed":
    case "rejected":
    case "expired": {
      const code = params["err-code"] ?? params.status;
      return {
        ...base,
        status: "failed",
        errors: [
          {
            code: /^\d+$/.test(code) ? Number(code) : code,
            title: `Vonage delivery receipt: ${params.status}`,
          },
        ],
      };
    }
    default:
      return null;
  }
}

function toMessage(params: Record<string, string>): InboundMessage | RejectedItem {
  const msisdn = params.msisdn;
  if (!msisdn || !/^\+?\d{3,20}$/.test(msisdn)) {
    return {
      path: "",
      reason: "inbound message has no sender number (msisdn)",
      item: withoutSignature(params),
    };
  }
  const digits = msisdn.replace(/^\+/, "");
  const text = params.text ?? "";
  return {
    kind: "message",
    providerMessageId: params.messageId ?? "",
    from: digits,
    ...(/^[1-9]\d{6,14}$/.test(digits) ? { phone: `+${digits}` } : {}),
    timestamp: timestampOf(params),
    // A binary message carries no text Tern can read.
    content:
      params.type === "binary"
        ? { type: "unsupported", providerType: "binary", text: "" }
        : { type: "text", text },
    ...partOf(params),
  };
}

/** Vonage allows up to 255 parts (a one-byte count in the UDH the carrier sent). */
const MAX_PARTS = 255;

/** The part of a long SMS this delivery is; none for a whole one or numbers that make no sense. */
function partOf(params: Record<string, string>): Pick<InboundMessage, "part"> {
  if (params.concat !== "true" || params.type === "binary") return {};
  const ref = params["concat-ref"];
  const index = Number(params["concat-part"]);
  const count = Number(params["concat-total"]);
  const valid =
    ref !== undefined &&
    /^[\w-]{1,32}$/.test(ref) &&
    Number.isInteger(count) &&
    count >= 2 &&
    count <= MAX_PARTS &&
    Number.isInteger(index) &&
    index >= 1 &&
    index <= count;
  return valid ? { part: { ref, index, count } } : {};
}

/**
 * `message-timestamp` ("2020-01-01 12:00:00", UTC), else the signed `timestamp` (Unix seconds),
 * else 0 (the time Tern received it).
 */
function timestampOf(params: Record<string, string>): number {
  const stamp = params["message-timestamp"];
  if (stamp && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(stamp)) {
    const ms = Date.parse(`${stamp.replace(" ", "T")}Z`);
    if (Number.isFinite(ms)) return ms;
  }
  const seconds = Number(params.timestamp);
  return Number.isInteger(seconds) && seconds > 0 ? seconds * 1000 : 0;
}
