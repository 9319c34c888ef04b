import { z } from "zod";

/**
 * The callback bodies Tern reads. Bodies are parsed losslessly first (lossless.ts), so an int64
 * `message_token` arrives here as a decimal string and a small one as a number.
 * Events: https://github.com/Viber/creators-hub docs/bots-api/events/*.md
 */
export const MessageToken = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]);

export const ViberEnvelope = z.looseObject({ event: z.string().min(1) });

export const ViberSender = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  avatar: z.string().optional(),
  country: z.string().optional(),
  language: z.string().optional(),
  api_version: z.number().optional(),
});

export const ViberInbound = z.object({
  event: z.literal("message"),
  timestamp: z.number(),
  message_token: MessageToken,
  sender: ViberSender,
  message: z.object({
    type: z.string(),
    text: z.string().optional(),
    media: z.string().optional(),
    thumbnail: z.string().optional(),
    file_name: z.string().optional(),
    size: z.number().optional(),
    sticker_id: z.union([z.string(), z.number()]).optional(),
    location: z.object({ lat: z.number(), lon: z.number() }).optional(),
    contact: z.object({ name: z.string().optional(), phone_number: z.string() }).optional(),
    tracking_data: z.string().optional(),
  }),
});
export type ViberInbound = z.infer<typeof ViberInbound>;

/** delivered / seen / failed: https://github.com/Viber/creators-hub docs/bots-api/events/message-*.md */
export const ViberStatus = z.object({
  event: z.enum(["delivered", "seen", "failed"]),
  timestamp: z.number(),
  message_token: MessageToken,
  user_id: z.string(),
  desc: z.string().optional(),
});

/** The answer of every Viber API call; HTTP is 200 even for errors. */
export const ViberAnswer = z.looseObject({
  status: z.number().int(),
  status_message: z.string().optional(),
  message_token: MessageToken.optional(),
  event_types: z.array(z.string()).optional(),
});
