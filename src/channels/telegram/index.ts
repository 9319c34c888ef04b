import { defineChannel } from "../channel.js";
import { TelegramConfig, telegramSecretFields } from "./config.js";
import { TelegramButtons, TelegramLimits } from "./limits.js";
import { callbackQueryId, parse } from "./parse.js";
import { isTelegramChatId, send } from "./send.js";
import { setup, teardown } from "./setup.js";
import { verify } from "./verify.js";

/** Telegram Bot API. Setup: docs/channels/telegram.md; wire notes: ./README.md. */
export const telegramChannel = defineChannel({
  type: "telegram",
  title: "Telegram",
  isAddress: isTelegramChatId,
  addressHint: 'the chat id (digits, e.g. "123456789", the customer\'s user id in a private chat)',
  config: TelegramConfig,
  secretFields: telegramSecretFields,
  /**
   * The bot (its id, the token's part before the colon; not secret): a bot has one webhook, which
   * each channel registers on setup, so a second channel of one bot took the first one's messages.
   * One bot, one channel (integration-admin.ts refuses another with 409).
   */
  account: (config) => config.botToken.slice(0, config.botToken.indexOf(":")),
  capabilities: {
    // Bots get no delivery or read receipts: https://core.telegram.org/bots/api (no such update type).
    echoesCorrelation: false,
    maxTextLength: TelegramLimits.textChars,
    // Inline keyboard; titles have no documented limit, callback_data does (send.ts maps long ids).
    buttons: TelegramButtons,
    media: ["image", "video", "audio", "document"],
    templates: false,
    // No reply window: a bot may write to anyone who started it.
    statuses: false,
    // "no more than 30 messages per second" in bulk: https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
    sendRatePerSecond: 30,
  },
  verify,
  parse: (req) => parse(req),
  /**
   * A tapped inline button shows a spinner until answered. The webhook answer may itself be a
   * Bot API call (https://core.telegram.org/bots/api#making-requests-when-getting-updates), so a
   * callback query is answered with answerCallbackQuery right in the acknowledgement: no extra
   * request, and nothing to retry (its result is not needed).
   */
  acknowledge: (req) => {
    const id = callbackQueryId(req.rawBody);
    if (id === undefined) return { status: 200, body: "OK" };
    return {
      status: 200,
      body: JSON.stringify({ method: "answerCallbackQuery", callback_query_id: id }),
      contentType: "application/json",
    };
  },
  setup,
  teardown,
  send,
});

export { TelegramConfig } from "./config.js";
export { TelegramLimits } from "./limits.js";
export { buildSendRequest, callbackData } from "./send.js";
export { SECRET_HEADER } from "./verify.js";
