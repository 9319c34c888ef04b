import { tolerantParse } from "../../core/tolerant-parse.js";
import type {
  ChannelEvent,
  InboundContent,
  ParsedWebhook,
  RejectedItem,
  StatusEvent,
  WebhookBatch,
  WebhookRequest,
} from "../channel.js";
import { describeIssues, jsonBody, payloadInvalid } from "../payload.js";
import { BirdEnvelope, BirdInbound, BirdOutbound, BirdTextBody } from "./schema.js";

/**
 * Turns one Bird channels webhook (`{service, event, payload}`; one message per request) into
 * events. `sms.inbound` is a customer message (dedupe id: the message id); `sms.outbound` is a
 * status of a message Tern sent: `sent`, `delivered`, and `sending_failed` / `delivery_failed`
 * (with `failure.code` or `reason`) become statuses, the intermediate ones (`accepted`,
 * `processing`, `scheduled`, …) are ignored. Every other event is acknowledged and ignored: this
 * channel is SMS, so a `whatsapp.inbound` naming its channelId is not an SMS to answer by SMS
 * (a subscription set up wrongly, or a forgery with a leaked key), nor is `sms.interaction`.
 * https://docs.bird.com/api/channels-api/message-status-and-interactions
 */
export function parse(req: WebhookRequest): ParsedWebhook {
  const json = jsonBody(req);
  const envelope = tolerantParse(BirdEnvelope, json);
  if (!envelope.success) {
    throw payloadInvalid(
      `Not a Bird webhook (expected {"service":"channels","event":"sms.inbound","payload":{…}}): ${describeIssues(envelope.error)}`,
      envelope.error,
    );
  }
  const { service, event, payload } = envelope.data;
  if (service !== undefined && service !== "channels") return { batches: [], rejected: [] };
  const kind = event === "sms.inbound" ? "inbound" : event === "sms.outbound" ? "outbound" : undefined;
  if (!kind) return { batches: [], rejected: [] };
  const channelId =
    payload && typeof payload === "object" && "channelId" in payload && typeof payload.channelId === "string"
      ? payload.channelId
      : undefined;
  const batch: WebhookBatch = { account: channelId, path: "payload", raw: json, events: [], rejected: [] };
  const result = kind === "inbound" ? inbound(payload) : outbound(payload);
  if (result === null) return { batches: [batch], rejected: [] };
  if ("reason" in result) batch.rejected.push(result);
  else batch.events.push(result);
  return { batches: [batch], rejected: [] };
}

function reject(reason: string, item: unknown): RejectedItem {
  return { path: "payload", reason, item };
}

function timeOf(...values: Array<string | undefined>): number {
  for (const value of values) {
    const ms = value ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(ms)) return ms;
  }
  return Date.now();
}

const E164 = /^\+[1-9]\d{6,14}$/;

function inbound(raw: unknown): ChannelEvent | RejectedItem {
  const parsed = tolerantParse(BirdInbound, raw);
  if (!parsed.success) return reject(describeIssues(parsed.error), raw);
  const message = parsed.data;
  const from = message.sender.contact.identifierValue;
  return {
    kind: "message",
    providerMessageId: message.id,
    from,
    ...(E164.test(from) ? { phone: from } : {}),
    timestamp: timeOf(message.createdAt),
    content: contentOf(message.body.type, (raw as { body: unknown }).body),
  };
}

function contentOf(type: string, body: unknown): InboundContent {
  if (type === "text") {
    const text = tolerantParse(BirdTextBody, body);
    if (text.success) return { type: "text", text: text.data.text.text };
  }
  // MMS images, files, locations: not read yet; the flow sees an empty reply.
  return { type: "unsupported", providerType: type, text: "" };
}

const STATUS: Record<string, StatusEvent["status"]> = {
  sent: "sent",
  delivered: "delivered",
  sending_failed: "failed",
  delivery_failed: "failed",
};

function outbound(raw: unknown): StatusEvent | RejectedItem | null {
  const parsed = tolerantParse(BirdOutbound, raw);
  if (!parsed.success) return reject(describeIssues(parsed.error), raw);
  const message = parsed.data;
  const status = Object.hasOwn(STATUS, message.status) ? STATUS[message.status] : undefined;
  if (!status) return null;
  const recipient = message.receiver.contacts[0]?.identifierValue ?? "";
  const event: StatusEvent = {
    kind: "status",
    providerMessageId: message.id,
    status,
    timestamp: timeOf(message.lastStatusAt, message.createdAt),
    recipient,
    ...(message.reference ? { correlationId: message.reference } : {}),
  };
  if (status === "failed") {
    // `failure` (…/message-failure-codes) when Bird names the cause, else `reason` / `details`.
    const code = message.failure?.code ?? message.reason ?? message.status;
    const title = message.failure?.description ?? message.details ?? message.reason ?? message.status;
    event.errors = [{ code, title, ...(message.reason ? { message: message.reason } : {}) }];
  }
  return event;
}
