import type { ChoiceLimits } from "../channel.js";

/**
 * Documented Bot API limits shared by the adapter and the simulator.
 * sendMessage text "1-4096 characters after entities parsing": https://core.telegram.org/bots/api#sendmessage
 * Media caption "0-1024 characters": https://core.telegram.org/bots/api#sendphoto
 * InlineKeyboardButton.callback_data "1-64 bytes": https://core.telegram.org/bots/api#inlinekeyboardbutton
 */
export const TelegramLimits = {
  textChars: 4096,
  captionChars: 1024,
  callbackDataBytes: 64,
  /** Tern's own cap: the Bot API documents no limit on the number of inline buttons. */
  maxButtons: 100,
} as const;

/**
 * Inline-keyboard buttons as the channel's capabilities state them (adapter and validator). Titles
 * have no documented limit, but a phone cuts a long label: longer ones, more buttons, or an empty
 * title go as numbered text.
 */
export const TelegramButtons = {
  max: TelegramLimits.maxButtons,
  titleMax: 64,
} as const satisfies ChoiceLimits;

/** Telegram counts characters (code points), not UTF-16 units. */
export function charLength(value: string): number {
  return [...value].length;
}
