import { z } from "zod";

/**
 * Webhook shapes as far as Tern reads them. Objects are not strict: LINE adds fields.
 * https://developers.line.biz/en/reference/messaging-api/#webhook-event-objects and
 * line/line-openapi webhook.yml (CallbackRequest, MessageEvent, PostbackEvent, Source, DeliveryContext).
 */

/** Only this much must hold for the body to be a LINE delivery; events are checked one by one. */
export const LineCallback = z.object({
  destination: z.string().optional(),
  events: z.array(z.unknown()),
});

export const LineSource = z.object({
  type: z.string(),
  userId: z.string().optional(),
  groupId: z.string().optional(),
  roomId: z.string().optional(),
});
export type LineSource = z.infer<typeof LineSource>;

export const LineEvent = z.object({
  type: z.string().min(1),
  /** `standby`: another module channel is answering; the bot must stay silent. */
  mode: z.string().optional(),
  timestamp: z.number().int().nonnegative(),
  webhookEventId: z.string().min(1),
  source: LineSource.optional(),
  deliveryContext: z.object({ isRedelivery: z.boolean() }).optional(),
  replyToken: z.string().optional(),
});

export const LineMessage = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  quotedMessageId: z.string().optional(),
});

export const LineText = z.object({ text: z.string() });
export const LineFile = z.object({ fileName: z.string().optional(), fileSize: z.number().optional() });
export const LineLocation = z.object({
  title: z.string().nullish(),
  address: z.string().nullish(),
  latitude: z.number(),
  longitude: z.number(),
});
export const LineSticker = z.object({ packageId: z.string(), stickerId: z.string() });
export const LinePostback = z.object({ data: z.string() });
