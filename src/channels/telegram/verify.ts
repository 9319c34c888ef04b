import { timingSafeEqual } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import type { WebhookRequest } from "../channel.js";
import { getHeader } from "../whatsapp/verify.js";
import type { TelegramConfig } from "./config.js";

export const SECRET_HEADER = "x-telegram-bot-api-secret-token";

/**
 * Telegram does not sign updates: it echoes the `secret_token` given to setWebhook in
 * `X-Telegram-Bot-Api-Secret-Token` (https://core.telegram.org/bots/api#setwebhook). Tern always
 * registers one, so a request without it, or with another value, did not come from Telegram.
 * Compared in constant time over the bytes.
 */
export function verify(req: WebhookRequest, config: TelegramConfig): void {
  const header = getHeader(req.headers, SECRET_HEADER);
  if (header === undefined || header === "") {
    throw new AppError(
      "CHANNEL_SIGNATURE_INVALID",
      "Missing X-Telegram-Bot-Api-Secret-Token header: this request did not come from Telegram, or the webhook was set without Tern's secret token (run the channel setup again).",
    );
  }
  const received = Buffer.from(header, "utf8");
  const expected = Buffer.from(config.secretToken, "utf8");
  // timingSafeEqual throws on different lengths; the length is not the secret.
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    throw new AppError(
      "CHANNEL_SIGNATURE_INVALID",
      "X-Telegram-Bot-Api-Secret-Token does not match this channel's secret token. Another webhook may be registered for this bot: run the channel setup again (POST /api/v1/channels/:id/setup).",
    );
  }
}
