import { z } from "zod";

/**
 * The Messenger Platform webhook envelope, shared by Messenger (`object: "page"`) and Instagram
 * messaging (`object: "instagram"`): `entry[]` per Page / Instagram account (`entry[].id`), each
 * with `messaging[]` events. Objects are not strict: Meta adds fields and those must not break
 * parsing; each event is validated on its own so one odd event cannot drop its siblings.
 * https://developers.facebook.com/docs/messenger-platform/webhooks#event-notifications
 * https://developers.facebook.com/docs/instagram-platform/webhooks/examples
 */

const Id = z.object({ id: z.string().min(1) });

export const MetaAttachment = z.object({
  type: z.string(),
  payload: z.looseObject({ url: z.string().optional(), title: z.string().optional() }).nullish(),
});
export type MetaAttachment = z.infer<typeof MetaAttachment>;

export const MetaMessage = z.object({
  mid: z.string().min(1),
  text: z.string().optional(),
  /** The Page's / account's own message, echoed back: never a customer message. */
  is_echo: z.boolean().optional(),
  /** On echoes: the `message.metadata` the sender set (Tern: the send's effect key). */
  metadata: z.string().optional(),
  /** Instagram: the customer unsent the message. */
  is_deleted: z.boolean().optional(),
  is_unsupported: z.boolean().optional(),
  quick_reply: z.object({ payload: z.string() }).optional(),
  // Items are read one by one in messaging-parse.ts.
  attachments: z.array(z.unknown()).optional(),
  reply_to: z.object({ mid: z.string().optional() }).optional(),
});
export type MetaMessage = z.infer<typeof MetaMessage>;

/** A tap on a button (template button, Get Started, ice breaker). `mid` since Graph v11. */
export const MetaPostback = z.object({
  mid: z.string().min(1).optional(),
  title: z.string().optional(),
  payload: z.string(),
});

/** Messenger `message_deliveries`: `mids` may be absent; `watermark` always present. */
export const MetaDelivery = z.object({ mids: z.array(z.string()).optional(), watermark: z.number() });
/** Messenger `message_reads` carry a watermark; Instagram `messaging_seen` a `mid`. */
export const MetaRead = z.object({ mid: z.string().optional(), watermark: z.number().optional() });

export const MetaMessagingEvent = z.object({
  sender: Id,
  recipient: Id,
  /**
   * ms since epoch. Absent from Meta's documented `message_deliveries` item (sender, recipient,
   * delivery only), so optional: a delivery takes its watermark, anything else the time of receipt.
   * https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries
   */
  timestamp: z.number().optional(),
  message: z.unknown().optional(),
  postback: z.unknown().optional(),
  delivery: z.unknown().optional(),
  read: z.unknown().optional(),
});

export const MetaEntry = z.object({
  /** The Page id (Messenger) or Instagram professional account id: the server routes on it. */
  id: z.string().min(1),
  time: z.number().optional(),
  /** Absent on entries of other fields (feed, comments, standby…): nothing for Tern. */
  messaging: z.array(z.unknown()).optional(),
  /**
   * `{field, value}` items. A messaging field's `value` is the same event as a `messaging[]` item
   * in the shape of Meta's webhook field reference and the App Dashboard's "Test" button
   * (https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram); other fields
   * (comments, mentions…) are nothing for Tern.
   */
  changes: z.array(z.unknown()).optional(),
});

function envelope<const O extends string>(object: O) {
  return z.object({ object: z.literal(object), entry: z.array(z.unknown()) });
}

// Built once: zod 4 compiles a schema on its first parse, so a schema made per request costs
// that compilation on every webhook (it halved Messenger's ack rate).
const envelopes = { page: envelope("page"), instagram: envelope("instagram") };

export function metaWebhook<const O extends keyof typeof envelopes>(object: O): (typeof envelopes)[O] {
  return envelopes[object];
}
