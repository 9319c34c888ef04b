import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { choiceMisfit } from "../choice-fit.js";
import { callProvider, unreadableAnswer } from "../provider-http.js";
import { methodUrl, type TelegramConfig } from "./config.js";
import { telegramRefusal } from "./errors.js";
import { charLength, TelegramLimits as L, TelegramButtons } from "./limits.js";
import { INDEX_DATA } from "./parse.js";
import { TgAnswer } from "./schema.js";

type Choice = { id: string; title: string };

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

const isNumericChatId = (to: string): boolean => /^-?\d{1,16}$/.test(to) && Number.isSafeInteger(Number(to));

/** A chat id (numeric) or a public `@channelusername`: what `sendMessage` takes as `chat_id`. */
export function isTelegramChatId(to: string): boolean {
  return isNumericChatId(to) || /^@[A-Za-z0-9_]{5,32}$/.test(to);
}

/** Numeric chat ids go as numbers (as Telegram documents them); `@channelusername` as a string. */
function chatId(to: string): number | string {
  if (!isTelegramChatId(to)) throw sendFailed(`"${to}" is not a Telegram chat id.`);
  return isNumericChatId(to) ? Number(to) : to;
}

/**
 * callback_data holds 1–64 bytes. Choice ids that all fit go as they are; otherwise every button
 * carries `#n` (its position) and parse.ts maps the tap back by position. An id that itself looks
 * like `#n` also forces positions, so a tap can never be read as the wrong choice.
 * https://core.telegram.org/bots/api#inlinekeyboardbutton
 */
export function callbackData(choices: ReadonlyArray<Choice>): string[] {
  const fits = choices.every((c) => {
    const bytes = Buffer.byteLength(c.id, "utf8");
    return bytes >= 1 && bytes <= L.callbackDataBytes && !INDEX_DATA.test(c.id);
  });
  const unique = new Set(choices.map((c) => c.id)).size === choices.length;
  return choices.map((c, i) => (fits && unique ? c.id : `#${i + 1}`));
}

function keyboard(choices: ReadonlyArray<Choice>): Record<string, unknown> {
  const data = callbackData(choices);
  // One button per row: titles stay readable on a phone.
  return {
    inline_keyboard: choices.map((c, i) => [{ text: c.title, callback_data: data[i] }]),
  };
}

const MEDIA_METHOD = {
  image: ["sendPhoto", "photo"],
  video: ["sendVideo", "video"],
  audio: ["sendAudio", "audio"],
  document: ["sendDocument", "document"],
} as const;

/** The method and JSON body for one outbound message. */
export function buildSendRequest(message: OutboundMessage): {
  method: string;
  body: Record<string, unknown>;
} {
  const choices = message.choices ?? [];
  // Choices beyond the keyboard's limits (an empty or overlong title, too many) go as numbered
  // lines, as on every channel without buttons: the ask step maps `1` or the title back.
  const asKeyboard = choices.length > 0 && choiceMisfit(TelegramButtons, choices, undefined) === null;
  const markup = asKeyboard ? keyboard(choices) : undefined;
  const text = asKeyboard ? message.text : numberedChoices(message.text, choices);
  const base: Record<string, unknown> = { chat_id: chatId(message.to) };
  if (message.media) {
    // By URL: Telegram downloads it (photos up to 5 MB, other files 20 MB). https://core.telegram.org/bots/api#sending-files
    const [method, field] = MEDIA_METHOD[message.media.kind];
    if (charLength(text) > L.captionChars) {
      throw sendFailed(
        `A media caption is ${charLength(text)} characters; Telegram allows ${L.captionChars}.`,
      );
    }
    return {
      method,
      body: {
        ...base,
        [field]: message.media.url,
        ...(text ? { caption: text } : {}),
        ...(markup ? { reply_markup: markup } : {}),
      },
    };
  }
  if (text.trim().length === 0) throw sendFailed("Cannot send an empty Telegram message.");
  if (charLength(text) > L.textChars) {
    throw sendFailed(
      `The message is ${charLength(text)} characters; Telegram allows ${L.textChars}. Shorten it.`,
    );
  }
  return {
    method: "sendMessage",
    body: { ...base, text, ...(markup ? { reply_markup: markup } : {}) },
  };
}

/** sendMessage / sendPhoto / …: https://core.telegram.org/bots/api#sendmessage */
export async function send(
  message: OutboundMessage,
  config: TelegramConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  const { method, body } = buildSendRequest(message);
  const secrets = [config.botToken];
  const answer = await callProvider({
    provider: "Telegram",
    fetch: deps.fetch,
    url: methodUrl(config, method),
    init: { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    secrets,
  });
  const parsed = TgAnswer.safeParse(answer.json);
  if (answer.status < 200 || answer.status > 299 || !parsed.success || !parsed.data.ok) {
    if (answer.status >= 200 && answer.status <= 299 && !parsed.success) {
      throw unreadableAnswer("Telegram", answer, "message id");
    }
    throw telegramRefusal(answer, secrets);
  }
  const result = parsed.data.result;
  const id =
    result && typeof result === "object" && "message_id" in result && typeof result.message_id === "number"
      ? result.message_id
      : undefined;
  if (id === undefined) throw unreadableAnswer("Telegram", answer, "message id");
  // message_id is unique per chat only, so the chat goes with it.
  return { providerMessageId: `${body.chat_id}:${id}` };
}
