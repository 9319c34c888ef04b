import { randomInt } from "node:crypto";

/**
 * The customer's side of Telegram: `Update` bodies as the Bot API posts them to a webhook, one per
 * request, with the secret token header Telegram adds. https://core.telegram.org/bots/api#update
 */
export interface TelegramCustomer {
  /** The user's id, which is also their private chat's id. */
  chatId: number;
  firstName: string;
  lastName?: string;
}

/** update_id is sequential per bot (Update docs); start somewhere random, like a real bot. */
export function createUpdateIds(start = randomInt(100_000_000, 900_000_000)): () => number {
  let next = start;
  return () => next++;
}

function user(c: TelegramCustomer) {
  return {
    id: c.chatId,
    is_bot: false,
    first_name: c.firstName,
    ...(c.lastName ? { last_name: c.lastName } : {}),
    language_code: "en",
  };
}

function chat(c: TelegramCustomer) {
  return {
    id: c.chatId,
    first_name: c.firstName,
    ...(c.lastName ? { last_name: c.lastName } : {}),
    type: "private",
  };
}

const seconds = () => Math.floor(Date.now() / 1000);

export function textUpdate(updateId: number, c: TelegramCustomer, text: string, messageId: number) {
  return {
    update_id: updateId,
    message: { message_id: messageId, from: user(c), chat: chat(c), date: seconds(), text },
  };
}

export function contactUpdate(updateId: number, c: TelegramCustomer, phone: string, messageId: number) {
  return {
    update_id: updateId,
    message: {
      message_id: messageId,
      from: user(c),
      chat: chat(c),
      date: seconds(),
      contact: { phone_number: phone, first_name: c.firstName, user_id: c.chatId },
    },
  };
}

/** A tap on an inline keyboard button of a message the bot sent (its keyboard included, as Telegram does). */
export function callbackUpdate(
  updateId: number,
  c: TelegramCustomer,
  tapped: { messageId: number; text: string; replyMarkup: unknown; data: string },
) {
  return {
    update_id: updateId,
    callback_query: {
      id: String(randomInt(1, 2 ** 47)),
      from: user(c),
      message: {
        message_id: tapped.messageId,
        chat: chat(c),
        date: seconds(),
        text: tapped.text,
        reply_markup: tapped.replyMarkup,
      },
      chat_instance: String(-randomInt(1, 2 ** 47)),
      data: tapped.data,
    },
  };
}

/** Headers of a webhook request: Telegram echoes the secret_token given to setWebhook. */
export function webhookHeaders(secretToken: string): Record<string, string> {
  return { "content-type": "application/json", "x-telegram-bot-api-secret-token": secretToken };
}
