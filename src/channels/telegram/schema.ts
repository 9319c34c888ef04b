import { z } from "zod";

/**
 * The parts of a Bot API `Update` Tern reads. Objects stay open (zod's default strips unknown keys
 * but does not refuse them): Telegram adds fields with every Bot API release.
 * https://core.telegram.org/bots/api#update
 */
export const TgUser = z.object({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});
export type TgUser = z.infer<typeof TgUser>;

/** Chat ids have up to 52 significant bits, so a JS number holds them exactly (Bot API, Chat.id). */
export const TgChat = z.object({ id: z.number().int(), type: z.string() });

const TgFile = z.object({
  file_id: z.string(),
  file_unique_id: z.string().optional(),
  mime_type: z.string().optional(),
  file_name: z.string().optional(),
});

export const TgInlineKeyboard = z.object({
  inline_keyboard: z.array(z.array(z.object({ text: z.string(), callback_data: z.string().optional() }))),
});

export const TgMessage = z.object({
  message_id: z.number().int(),
  from: TgUser.optional(),
  chat: TgChat,
  date: z.number().int(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(TgFile).optional(),
  document: TgFile.optional(),
  voice: TgFile.optional(),
  audio: TgFile.optional(),
  video: TgFile.optional(),
  video_note: TgFile.optional(),
  sticker: TgFile.optional(),
  location: z.object({ latitude: z.number(), longitude: z.number() }).optional(),
  venue: z.object({ title: z.string(), address: z.string() }).optional(),
  contact: z
    .object({
      phone_number: z.string(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      user_id: z.number().int().optional(),
    })
    .optional(),
  reply_to_message: z.object({ message_id: z.number().int() }).optional(),
  reply_markup: z.unknown().optional(),
});
export type TgMessage = z.infer<typeof TgMessage>;

/** https://core.telegram.org/bots/api#callbackquery */
export const TgCallbackQuery = z.object({
  id: z.string(),
  from: TgUser,
  message: z
    .object({
      message_id: z.number().int(),
      chat: TgChat,
      date: z.number().int(),
      reply_markup: z.unknown().optional(),
    })
    .optional(),
  data: z.string().optional(),
});
export type TgCallbackQuery = z.infer<typeof TgCallbackQuery>;

/** The envelope: an integer update_id and at most one other field. */
export const TgUpdate = z.looseObject({ update_id: z.number().int().nonnegative() });

/** The Bot API answer to every method: https://core.telegram.org/bots/api#making-requests */
export const TgAnswer = z.object({
  ok: z.boolean(),
  result: z.unknown().optional(),
  description: z.string().optional(),
  error_code: z.number().int().optional(),
  parameters: z.object({ retry_after: z.number().optional() }).optional(),
});
export type TgAnswer = z.infer<typeof TgAnswer>;
