import { z } from "zod";

/**
 * A delivery's fields as far as Tern reads them; every value arrives as a string (xml.ts).
 * Ordinary messages: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
 * Events: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html
 */
export const WeChatEnvelope = z.object({
  ToUserName: z.string().min(1),
  FromUserName: z.string().min(1),
  CreateTime: z.string().regex(/^\d+$/),
  MsgType: z.string().min(1),
});

export const WeChatMessage = WeChatEnvelope.extend({
  /** 64-bit; kept as the decimal string WeChat sent. */
  MsgId: z.string().regex(/^\d+$/),
});

const Text = z.string();
export const WeChatText = z.object({ Content: Text });
export const WeChatMedia = z.object({
  MediaId: Text,
  PicUrl: Text.optional(),
  Format: Text.optional(),
  /** Speech recognition result of a voice message, when enabled for the account. */
  Recognition: Text.optional(),
});
export const WeChatLocation = z.object({
  Location_X: z.string().regex(/^-?\d+(\.\d+)?$/),
  Location_Y: z.string().regex(/^-?\d+(\.\d+)?$/),
  Label: Text.optional(),
});
export const WeChatLink = z.object({ Title: Text.optional(), Url: Text.optional() });
export const WeChatEvent = z.object({ Event: Text, EventKey: Text.optional() });
