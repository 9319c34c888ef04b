import type { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { tolerantParse } from "../../core/tolerant-parse.js";
import type {
  ChannelEvent,
  InboundContent,
  InboundMessage,
  ParsedWebhook,
  RejectedItem,
  StatusEvent,
  WebhookBatch,
  WebhookRequest,
} from "../channel.js";
import { describeIssues, jsonBody } from "../payload.js";
import { foreignObject } from "./foreign-object.js";
import {
  MetaAttachment,
  MetaDelivery,
  MetaEntry,
  MetaMessage,
  MetaMessagingEvent,
  MetaPostback,
  MetaRead,
  metaWebhook,
} from "./messaging-schema.js";

/** Which product's envelope is expected (`object`), and its name for messages. */
export interface MessagingProduct {
  object: "page" | "instagram";
  name: string;
}

type Event = z.infer<typeof MetaMessagingEvent>;

/** Attachment types that are media Tern can hand to a flow; `file` is Meta's word for a document. */
const MEDIA: Record<string, "image" | "video" | "audio" | "document"> = {
  image: "image",
  video: "video",
  audio: "audio",
  file: "document",
};

/**
 * Instagram attachment types that are not a message to the business: a story that mentions it
 * (a notification, not a question). Acknowledged and ignored.
 * https://developers.facebook.com/docs/instagram-platform/webhooks/examples
 */
const NOT_A_MESSAGE = new Set(["story_mention"]);

/** The event kinds that can become a message or a status. */
const HANDLED = ["message", "postback", "delivery", "read"] as const;

/** The webhook fields whose `changes[].value` is a messaging event (Messenger Platform field names). */
const MESSAGING_FIELDS = new Set([
  "messages",
  "messaging_postbacks",
  "message_deliveries",
  "message_reads",
  "messaging_seen",
  "message_echoes",
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function reject(path: string, reason: string, item: unknown): RejectedItem {
  return { path, reason, item };
}

/**
 * Turns a Messenger Platform webhook (Messenger or Instagram) into normalized events, one batch
 * per `entry` (its `id` is the Page / Instagram account the events are addressed to: one app posts
 * every account's events to one URL). Meta redelivers a refused POST whole, so only a body that
 * is not such a webhook at all is refused; an entry or event that does not parse is rejected
 * alone. Echoes of the account's own messages, reactions and event kinds Tern does not handle
 * are acknowledged and ignored.
 */
export function parseMessagingWebhook(req: WebhookRequest, product: MessagingProduct): ParsedWebhook {
  const json = jsonBody(req);
  const envelope = tolerantParse(metaWebhook(product.object), json);
  if (!envelope.success) {
    const other = foreignObject(json, product.object, product.name);
    if (other) return other;
    throw new AppError(
      "CHANNEL_PAYLOAD_INVALID",
      `Not a ${product.name} webhook (expected {"object":"${product.object}","entry":[…]}): ${describeIssues(envelope.error)}`,
      { cause: envelope.error },
    );
  }
  const result: ParsedWebhook = { batches: [], rejected: [] };
  envelope.data.entry.forEach((rawEntry, i) => {
    const path = `entry[${i}]`;
    const entry = tolerantParse(MetaEntry, rawEntry);
    if (!entry.success) {
      result.rejected.push(reject(path, describeIssues(entry.error), rawEntry));
      return;
    }
    const batch: WebhookBatch = { account: entry.data.id, path, raw: rawEntry, events: [], rejected: [] };
    const read = (rawEvent: unknown, where: string) => {
      // Event kinds Tern does not handle (optin with a user_ref instead of a sender, referral,
      // reaction, handover…) are acknowledged and ignored, not read and rejected.
      if (isObject(rawEvent) && !HANDLED.some((key) => Object.hasOwn(rawEvent, key))) return;
      const event = tolerantParse(MetaMessagingEvent, rawEvent);
      if (!event.success) {
        batch.rejected.push(reject(where, describeIssues(event.error), rawEvent));
        return;
      }
      const out = toEvents(event.data, entry.data.id, where);
      if ("reason" in out) batch.rejected.push(out);
      else batch.events.push(...out);
    };
    entry.data.messaging?.forEach((rawEvent, j) => {
      read(rawEvent, `${path}.messaging[${j}]`);
    });
    entry.data.changes?.forEach((change, j) => {
      if (isObject(change) && MESSAGING_FIELDS.has(change.field as string) && isObject(change.value))
        read(change.value, `${path}.changes[${j}].value`);
    });
    result.batches.push(batch);
  });
  return result;
}

function toEvents(event: Event, account: string, where: string): ChannelEvent[] | RejectedItem {
  // The account's own messages come back as echoes (Messenger `message_echoes`, Instagram
  // `is_echo` inside `messages`): the sender is then the account itself. Never a customer.
  // https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-echoes
  if (event.sender.id === account) return toEcho(event, `${where}.message`);
  if (event.message !== undefined) return toMessage(event, `${where}.message`);
  if (event.postback !== undefined) return toPostback(event, `${where}.postback`);
  if (event.delivery !== undefined) return toDeliveries(event, `${where}.delivery`);
  if (event.read !== undefined) return toRead(event, `${where}.read`);
  return [];
}

/** The event's time; Tern's clock where Meta sent none. */
function timeOf(event: Event): number {
  return event.timestamp ?? Date.now();
}

function base(event: Event, providerMessageId: string): Omit<InboundMessage, "content"> {
  return { kind: "message", providerMessageId, from: event.sender.id, timestamp: timeOf(event) };
}

function toMessage(event: Event, where: string): ChannelEvent[] | RejectedItem {
  const parsed = tolerantParse(MetaMessage, event.message);
  if (!parsed.success) return reject(where, describeIssues(parsed.error), event.message);
  const message = parsed.data;
  if (message.is_echo === true) return toEcho(event, where);
  if (message.is_deleted === true) return [];
  const attachments = (message.attachments ?? []).flatMap((raw) => {
    const attachment = tolerantParse(MetaAttachment, raw);
    return attachment.success ? [attachment.data] : [];
  });
  if (attachments.some((a) => NOT_A_MESSAGE.has(a.type))) return [];
  const content = toContent(message, attachments);
  return [
    {
      ...base(event, message.mid),
      content,
      ...(message.reply_to?.mid ? { replyTo: message.reply_to.mid } : {}),
    },
  ];
}

/**
 * An echo is never a customer message. One that carries the `metadata` Tern set on a send (the
 * effect key) proves that send went out: a `sent` status with that correlation id, which settles a
 * send whose answer was lost (src/queue/README.md). Echoes without metadata (a person answering
 * in the Page inbox, another app) give nothing.
 */
function toEcho(event: Event, where: string): StatusEvent[] | RejectedItem {
  if (event.message === undefined) return [];
  const parsed = tolerantParse(MetaMessage, event.message);
  if (!parsed.success) return reject(where, describeIssues(parsed.error), event.message);
  const { mid, metadata } = parsed.data;
  if (!metadata) return [];
  return [
    {
      kind: "status",
      providerMessageId: mid,
      status: "sent",
      timestamp: timeOf(event),
      recipient: event.recipient.id,
      correlationId: metadata,
    },
  ];
}

function toContent(message: MetaMessage, attachments: MetaAttachment[]): InboundContent {
  const text = message.text ?? "";
  // A quick-reply tap posts its title as the text and our payload (the choice id) beside it.
  // https://developers.facebook.com/docs/messenger-platform/send-messages/quick-replies
  if (message.quick_reply) {
    return { type: "choice", id: message.quick_reply.payload, title: text, text };
  }
  const first = attachments[0];
  // hasOwn: an attachment type such as "constructor" must not find Object.prototype's.
  const mediaType = first && Object.hasOwn(MEDIA, first.type) ? MEDIA[first.type] : undefined;
  if (first && mediaType && first.payload?.url) {
    return {
      type: "media",
      mediaType,
      // No media id on this platform: the (expiring) CDN URL is the handle.
      mediaId: first.payload.url,
      ...(text ? { caption: text } : {}),
      text,
    };
  }
  if (text.length > 0) return { type: "text", text };
  const providerType = first ? `attachment.${first.type}` : message.is_unsupported ? "unsupported" : "empty";
  return { type: "unsupported", providerType, text: "" };
}

/**
 * A button tap. Dedupe id: `postback.mid` (Graph v11+); an older postback without one gets a
 * key from its sender and timestamp, which a redelivery repeats exactly.
 * https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messaging_postbacks
 */
function toPostback(event: Event, where: string): InboundMessage[] | RejectedItem {
  const parsed = tolerantParse(MetaPostback, event.postback);
  if (!parsed.success) return reject(where, describeIssues(parsed.error), event.postback);
  const { mid, title, payload } = parsed.data;
  // Neither a mid nor a timestamp: nothing a redelivery would repeat, so no dedupe key.
  if (mid === undefined && event.timestamp === undefined)
    return reject(where, "a postback without mid needs the event's timestamp", event.postback);
  const id = mid ?? `postback:${event.sender.id}:${event.timestamp}`;
  const label = title ?? payload;
  return [{ ...base(event, id), content: { type: "choice", id: payload, title: label, text: label } }];
}

/**
 * Messenger `message_deliveries`: one `delivered` status per listed mid. Without `mids` ("mids
 * may not be present"), the watermark: everything sent before it was delivered.
 * https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries
 */
function toDeliveries(event: Event, where: string): ChannelEvent[] | RejectedItem {
  const parsed = tolerantParse(MetaDelivery, event.delivery);
  if (!parsed.success) return reject(where, describeIssues(parsed.error), event.delivery);
  const { mids, watermark } = parsed.data;
  if (!mids || mids.length === 0)
    return [{ kind: "watermark", status: "delivered", watermark, recipient: event.sender.id }];
  return mids.map((mid) => ({
    kind: "status",
    providerMessageId: mid,
    status: "delivered",
    timestamp: watermark,
    recipient: event.sender.id,
  }));
}

/**
 * Instagram `messaging_seen` names the message read (`read.mid`): a `read` status. Messenger's
 * `message_reads` has a watermark: everything sent before it was read.
 * https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-reads
 */
function toRead(event: Event, where: string): ChannelEvent[] | RejectedItem {
  const parsed = tolerantParse(MetaRead, event.read);
  if (!parsed.success) return reject(where, describeIssues(parsed.error), event.read);
  const { mid, watermark } = parsed.data;
  if (!mid) {
    return watermark === undefined
      ? []
      : [{ kind: "watermark", status: "read", watermark, recipient: event.sender.id }];
  }
  return [
    {
      kind: "status",
      providerMessageId: mid,
      status: "read",
      timestamp: event.timestamp ?? watermark ?? Date.now(),
      recipient: event.sender.id,
    },
  ];
}
