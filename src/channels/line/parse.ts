import { tolerantParse } from "../../core/tolerant-parse.js";
import type {
  InboundContent,
  InboundMessage,
  ParsedWebhook,
  RejectedItem,
  WebhookBatch,
  WebhookRequest,
} from "../channel.js";
import { describeIssues, jsonBody, payloadInvalid } from "../payload.js";
import {
  LineCallback,
  LineEvent,
  LineFile,
  LineLocation,
  LineMessage,
  LinePostback,
  type LineSource,
  LineSticker,
  LineText,
} from "./schema.js";

/**
 * Turns a LINE webhook `{destination, events:[…]}` into normalized events. LINE batches events in
 * one request; an event that does not parse is rejected alone. An empty `events` array is the
 * console's "Verify" button (and LINE's own checks): acknowledged with nothing to do.
 * https://developers.line.biz/en/reference/messaging-api/#request-body
 *
 * `message` and `postback` events are conversations; `follow`, `unfollow`, `join`, `leave`,
 * `memberJoined`, `unsend`, `beacon`, `accountLink`, … are acknowledged and ignored, and so is
 * any event in `standby` mode (another channel of a module answers it).
 */
export function parse(req: WebhookRequest): ParsedWebhook {
  const json = jsonBody(req);
  const envelope = tolerantParse(LineCallback, json);
  if (!envelope.success) {
    throw payloadInvalid(
      `Not a LINE webhook (expected {"destination":"U…","events":[…]}): ${describeIssues(envelope.error)}`,
      envelope.error,
    );
  }
  const batch: WebhookBatch = {
    // The bot's own user id; each channel has its own webhook URL, so it is informative only.
    account: envelope.data.destination,
    path: "events",
    raw: json,
    events: [],
    rejected: [],
  };
  envelope.data.events.forEach((raw, i) => {
    const event = toEvent(raw, `events[${i}]`);
    if (event === null) return;
    if ("reason" in event) batch.rejected.push(event);
    else batch.events.push(event);
  });
  return { batches: [batch], rejected: [] };
}

function reject(path: string, reason: string, item: unknown): RejectedItem {
  return { path, reason, item };
}

function toEvent(raw: unknown, where: string): InboundMessage | RejectedItem | null {
  const parsed = tolerantParse(LineEvent, raw);
  if (!parsed.success) return reject(where, describeIssues(parsed.error), raw);
  const event = parsed.data;
  if (event.type !== "message" && event.type !== "postback") return null;
  if (event.mode === "standby") return null;
  const from = conversationOf(event.source);
  if (!from) return reject(where, "event has no source user, group or room id", raw);
  const body = raw as Record<string, unknown>;
  const content = event.type === "postback" ? postbackContent(body.postback) : messageContent(body.message);
  if ("reason" in content) return reject(where, content.reason, raw);
  return {
    kind: "message",
    // The documented dedupe key: the same on every redelivery (deliveryContext.isRedelivery).
    // https://developers.line.biz/en/docs/messaging-api/receiving-messages/#webhook-redelivery
    providerMessageId: event.webhookEventId,
    from,
    timestamp: event.timestamp,
    content: content.content,
    ...(content.replyTo ? { replyTo: content.replyTo } : {}),
    ...(event.replyToken ? { replyToken: event.replyToken } : {}),
  };
}

/**
 * Who Tern answers: the user in a one-to-one chat; the group or room otherwise (push `to` takes
 * all three), so a reply in a group goes to the group, not privately to whoever wrote.
 */
function conversationOf(source: LineSource | undefined): string | undefined {
  if (!source) return undefined;
  if (source.type === "group") return source.groupId;
  if (source.type === "room") return source.roomId;
  return source.userId;
}

type ContentResult = { content: InboundContent; replyTo?: string } | { reason: string };

function postbackContent(raw: unknown): ContentResult {
  const postback = tolerantParse(LinePostback, raw);
  if (!postback.success) return { reason: `postback: ${describeIssues(postback.error)}` };
  // Tern puts the choice id in `data` (send.ts); LINE does not echo the label.
  const id = postback.data.data;
  return { content: { type: "choice", id, title: id, text: id } };
}

function messageContent(raw: unknown): ContentResult {
  const message = tolerantParse(LineMessage, raw);
  if (!message.success) return { reason: `message: ${describeIssues(message.error)}` };
  const { id, type } = message.data;
  const replyTo = message.data.quotedMessageId;
  const wrap = (content: InboundContent): ContentResult => ({ content, ...(replyTo ? { replyTo } : {}) });
  const unsupported = wrap({ type: "unsupported", providerType: type, text: "" });
  switch (type) {
    case "text": {
      const text = tolerantParse(LineText, raw);
      return text.success ? wrap({ type: "text", text: text.data.text }) : unsupported;
    }
    case "image":
    case "video":
    case "audio":
      // Content is fetched by message id from api-data.line.me/v2/bot/message/{id}/content.
      return wrap({ type: "media", mediaType: type, mediaId: id, text: "" });
    case "file": {
      const file = tolerantParse(LineFile, raw);
      const name = file.success ? file.data.fileName : undefined;
      return wrap({
        type: "media",
        mediaType: "document",
        mediaId: id,
        ...(name ? { caption: name } : {}),
        text: name ?? "",
      });
    }
    case "sticker": {
      const sticker = tolerantParse(LineSticker, raw);
      const mediaId = sticker.success ? `${sticker.data.packageId}/${sticker.data.stickerId}` : id;
      return wrap({ type: "media", mediaType: "sticker", mediaId, text: "" });
    }
    case "location": {
      const location = tolerantParse(LineLocation, raw);
      if (!location.success) return unsupported;
      const { latitude, longitude, title, address } = location.data;
      return wrap({
        type: "location",
        latitude,
        longitude,
        ...(title ? { name: title } : {}),
        ...(address ? { address } : {}),
        text: [title, address].filter(Boolean).join(", "),
      });
    }
    default:
      return unsupported;
  }
}
