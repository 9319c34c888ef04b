import { tolerantParse } from "../../core/tolerant-parse.js";
import type {
  InboundContent,
  InboundMessage,
  ParsedWebhook,
  RejectedItem,
  StatusEvent,
  WebhookAnswer,
  WebhookBatch,
  WebhookRequest,
} from "../channel.js";
import { describeIssues, jsonBody, payloadInvalid } from "../payload.js";
import { bareAgentId, E164_PATTERN } from "./limits.js";
import { RcsEnvelope, RcsServerEvent, RcsUserEvent, RcsUserMessage } from "./schema.js";
import { webhookCheck } from "./verify.js";

/**
 * One RBM webhook (one Pub/Sub push message per request) → events. `data` decodes to a
 * UserMessage (text, a tapped suggestion, a location, a file; dedupe id: `messageId`), a
 * UserEvent (`DELIVERED` / `READ` of an agent message become statuses; `IS_TYPING`,
 * `SUBSCRIBE`, `UNSUBSCRIBE` are ignored) or a ServerEvent (`TTL_EXPIRATION_REVOKED` → failed). The setup check yields nothing.
 */
export function parse(req: WebhookRequest): ParsedWebhook {
  if (webhookCheck(req.rawBody)) return { batches: [], rejected: [] };
  const json = jsonBody(req);
  const envelope = tolerantParse(RcsEnvelope, json);
  if (!envelope.success) {
    throw payloadInvalid(
      `Not an RBM webhook (expected {"message":{"data":"<base64>",…}}): ${describeIssues(envelope.error)}`,
      envelope.error,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(envelope.data.message.data, "base64").toString("utf8"));
  } catch {
    // Signed, so Google's: acknowledged and listed, since a refused delivery is retried for days
    // and holds back the partner's other agents' webhooks.
    const item = envelope.data.message;
    return { batches: [], rejected: [{ path: "message.data", reason: "message.data is not JSON", item }] };
  }
  const agentId =
    data && typeof data === "object" && "agentId" in data && typeof data.agentId === "string"
      ? bareAgentId(data.agentId)
      : undefined;
  const batch: WebhookBatch = { account: agentId, path: "message.data", raw: json, events: [], rejected: [] };
  const event = toEvent(data);
  if (event === null) return { batches: [batch], rejected: [] };
  if ("reason" in event) batch.rejected.push(event);
  else batch.events.push(event);
  return { batches: [batch], rejected: [] };
}

/** The answer Google wants: 200, and for the setup check the `secret` as the plain body. */
export function acknowledge(req: WebhookRequest): WebhookAnswer {
  const check = webhookCheck(req.rawBody);
  return check
    ? { status: 200, body: check.secret, contentType: "text/plain; charset=utf-8" }
    : { status: 200, body: "OK" };
}

function reject(reason: string, item: unknown): RejectedItem {
  return { path: "message.data", reason, item };
}

function timeOf(value: string | undefined): number {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : Date.now();
}

function toEvent(data: unknown): InboundMessage | StatusEvent | RejectedItem | null {
  if (!data || typeof data !== "object") return reject("message.data is not a JSON object", data);
  if ("eventType" in data) return "senderPhoneNumber" in data ? userEvent(data) : serverEvent(data);
  if (!("senderPhoneNumber" in data)) return null; // neither a message nor an event Tern knows
  const parsed = tolerantParse(RcsUserMessage, data);
  if (!parsed.success) return reject(describeIssues(parsed.error), data);
  const message = parsed.data;
  const from = message.senderPhoneNumber;
  return {
    kind: "message",
    providerMessageId: message.messageId,
    from,
    ...(E164_PATTERN.test(from) ? { phone: from } : {}),
    timestamp: timeOf(message.sendTime),
    content: contentOf(message),
  };
}

function contentOf(message: ReturnType<typeof RcsUserMessage.parse>): InboundContent {
  if (message.text !== undefined) return { type: "text", text: message.text };
  const tapped = message.suggestionResponse;
  if (tapped) {
    // Tern puts the choice id in postbackData (send.ts); `text` is the chip's title.
    const id = tapped.postbackData ?? tapped.text ?? "";
    const title = tapped.text ?? id;
    return { type: "choice", id, title, text: title };
  }
  if (message.location) {
    const { latitude, longitude } = message.location;
    return { type: "location", latitude, longitude, text: "" };
  }
  if (message.userFile) {
    const { mimeType, fileUri, fileName } = message.userFile.payload;
    const kind = mimeType?.split("/")[0];
    const mediaType = kind === "image" || kind === "video" || kind === "audio" ? kind : "document";
    return {
      type: "media",
      mediaType,
      mediaId: fileUri,
      ...(mimeType ? { mimeType } : {}),
      ...(fileName ? { caption: fileName } : {}),
      text: fileName ?? "",
    };
  }
  return { type: "unsupported", providerType: "unknown", text: "" };
}

const STATUS: Record<string, StatusEvent["status"]> = { DELIVERED: "delivered", READ: "read" };

/**
 * A ServerEvent. `TTL_EXPIRATION_REVOKED` — the message expired undelivered and Google revoked it,
 * "a good trigger for your fallback messaging strategy" — is a failed status with that code.
 * `TTL_EXPIRATION_REVOKE_FAILED` (expired, but perhaps delivered anyway) is ignored: falling back
 * then could give the customer both. Tern sets no TTL today, so neither should arrive.
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/ServerEvent
 */
function serverEvent(data: object): StatusEvent | RejectedItem | null {
  const parsed = tolerantParse(RcsServerEvent, data);
  if (!parsed.success) return reject(describeIssues(parsed.error), data);
  const event = parsed.data;
  if (event.eventType !== "TTL_EXPIRATION_REVOKED") return null;
  return {
    kind: "status",
    providerMessageId: event.messageId,
    status: "failed",
    timestamp: timeOf(event.sendTime),
    recipient: event.phoneNumber,
    errors: [{ code: event.eventType, title: "The message expired undelivered and was revoked" }],
  };
}

function userEvent(data: object): StatusEvent | RejectedItem | null {
  const parsed = tolerantParse(RcsUserEvent, data);
  if (!parsed.success) return reject(describeIssues(parsed.error), data);
  const event = parsed.data;
  const status = Object.hasOwn(STATUS, event.eventType) ? STATUS[event.eventType] : undefined;
  if (!status) return null;
  if (!event.messageId) return reject(`${event.eventType} event without messageId`, data);
  return {
    kind: "status",
    // The agent message's id, which Tern chose (send.ts) and returned as the send's provider id.
    providerMessageId: event.messageId,
    status,
    timestamp: timeOf(event.sendTime),
    recipient: event.senderPhoneNumber,
  };
}
