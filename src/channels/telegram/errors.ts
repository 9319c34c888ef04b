import type { AppError, RetryHint } from "../../core/app-error.js";
import { type ProviderAnswer, providerRefusal } from "../provider-http.js";
import { TgAnswer } from "./schema.js";

/**
 * A Bot API refusal `{ok:false, error_code, description, parameters:{retry_after}}` as
 * CHANNEL_SEND_FAILED. Telegram's 429 says when to retry in `parameters.retry_after` (seconds),
 * not in a header: https://core.telegram.org/bots/api#responseparameters. Every 403 ("bot was
 * blocked by the user", "user is deactivated", "bot was kicked") is permanent for that chat, and
 * like a 400 "chat not found" (the customer never started the bot) says Telegram cannot reach the
 * person: `undeliverable`, so a send step's fallback channel may.
 */
export function telegramRefusal(answer: ProviderAnswer, secrets: ReadonlyArray<string>): AppError {
  const parsed = TgAnswer.safeParse(answer.json);
  const body = parsed.success ? parsed.data : undefined;
  const retryAfter = body?.parameters?.retry_after;
  let retry: RetryHint | undefined;
  if (retryAfter !== undefined && retryAfter > 0) retry = { afterMs: retryAfter * 1000 };
  else if (answer.status === 403) retry = "never";
  const description = body?.description ?? "";
  const hint = hintFor(answer.status, description);
  const undeliverable =
    answer.status === 403 || (answer.status === 400 && /chat not found/i.test(description));
  const detail = [body?.description, hint].filter(Boolean).join(". ") || undefined;
  return providerRefusal({ provider: "Telegram", secrets }, answer, detail, {
    ...(retry !== undefined ? { retry } : {}),
    details: {
      ...(body?.error_code !== undefined && { telegramErrorCode: body.error_code }),
      ...(undeliverable && { undeliverable: true }),
    },
  });
}

function hintFor(status: number, description: string): string | undefined {
  if (status === 401) return "The bot token is wrong or was revoked: copy it again from @BotFather (/token)";
  if (status === 403 && /blocked/i.test(description))
    return "The customer blocked the bot; nothing can be sent until they unblock it";
  if (status === 400 && /chat not found/i.test(description)) {
    return "The customer has not started a chat with this bot (or the chat id is wrong)";
  }
  return undefined;
}
