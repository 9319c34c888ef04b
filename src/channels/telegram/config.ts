import { z } from "zod";
import { baseUrlField } from "../../core/secure-url.js";

/**
 * Configuration of one Telegram bot. Where each value comes from: docs/channels/telegram.md.
 * https://core.telegram.org/bots/api#authorizing-your-bot and #setwebhook
 */
export const TelegramConfig = z.object({
  /** The token @BotFather gives: `<bot id>:<35 characters>`. It goes in the API URL path. */
  botToken: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "botToken looks like 123456789:AAE… (ask @BotFather for /token)"),
  /**
   * Any 1–256 characters of A–Z a–z 0–9 _ -; Tern registers it with setWebhook and Telegram echoes
   * it in X-Telegram-Bot-Api-Secret-Token on every update.
   */
  secretToken: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,256}$/,
      "secretToken is 1–256 characters of A–Z, a–z, 0–9, _ and - (Telegram's rule for secret_token)",
    ),
  /** Bot API host. The bot token travels in the path, so https (loopback excepted: the simulator). */
  apiBaseUrl: baseUrlField("apiBaseUrl").default("https://api.telegram.org"),
});
export type TelegramConfig = z.infer<typeof TelegramConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const telegramSecretFields = ["botToken", "secretToken"] as const;

/** `POST {apiBaseUrl}/bot<token>/<method>`: https://core.telegram.org/bots/api#making-requests */
export function methodUrl(config: TelegramConfig, method: string): string {
  return `${config.apiBaseUrl.replace(/\/+$/, "")}/bot${config.botToken}/${method}`;
}
