import { TelegramLimits as L } from "../../channels/telegram/limits.js";

/** A request Telegram refuses: HTTP 400 `{ok:false, error_code:400, description}`. */
export class BadRequest extends Error {}

const chars = (s: string) => [...s].length;

/** chat_id: Integer or String (https://core.telegram.org/bots/api#sendmessage). */
export function chatIdOf(body: Record<string, unknown>): string {
  const id = body.chat_id;
  if (typeof id === "number" && Number.isInteger(id)) return String(id);
  if (typeof id === "string" && /^(-?\d+|@\w{5,32})$/.test(id)) return id;
  throw new BadRequest("Bad Request: chat_id is empty");
}

/**
 * reply_markup: an InlineKeyboardMarkup whose buttons have `text` and 1–64 bytes of callback_data,
 * or a ReplyKeyboardMarkup. https://core.telegram.org/bots/api#inlinekeyboardmarkup
 */
export function buttonsOf(markup: unknown): Array<{ text: string; data?: string }> {
  if (markup === undefined) return [];
  if (!markup || typeof markup !== "object")
    throw new BadRequest("Bad Request: can't parse reply keyboard markup JSON object");
  const rows =
    (markup as { inline_keyboard?: unknown; keyboard?: unknown }).inline_keyboard ??
    (markup as { keyboard?: unknown }).keyboard;
  if (rows === undefined) return [];
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw new BadRequest(
      'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
    );
  }
  const buttons = (rows as unknown[][]).flat().map((b) => {
    const button = b as { text?: unknown; callback_data?: unknown };
    if (typeof button.text !== "string" || button.text === "")
      throw new BadRequest("Bad Request: text buttons are unallowed in the inline keyboard");
    if (button.callback_data !== undefined) {
      const bytes = typeof button.callback_data === "string" ? Buffer.byteLength(button.callback_data) : 0;
      if (bytes < 1 || bytes > L.callbackDataBytes) throw new BadRequest("Bad Request: BUTTON_DATA_INVALID");
      return { text: button.text, data: button.callback_data as string };
    }
    return { text: button.text };
  });
  if (buttons.length > L.maxButtons) throw new BadRequest("Bad Request: reply markup is too long");
  return buttons;
}

export function textOf(body: Record<string, unknown>): string {
  const text = body.text;
  if (typeof text !== "string" || text.trim() === "")
    throw new BadRequest("Bad Request: message text is empty");
  if (chars(text) > L.textChars) throw new BadRequest("Bad Request: message is too long");
  return text;
}

export function captionOf(body: Record<string, unknown>): string {
  const caption = body.caption;
  if (caption === undefined) return "";
  if (typeof caption !== "string") throw new BadRequest("Bad Request: can't parse caption");
  if (chars(caption) > L.captionChars) throw new BadRequest("Bad Request: message caption is too long");
  return caption;
}

/** A file sent by URL (the simulator takes only URLs: Tern never uploads). */
export function fileUrlOf(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || !/^https?:\/\//.test(value)) {
    throw new BadRequest(`Bad Request: there is no ${field} in the request`);
  }
  return value;
}
