import { z } from "zod";
import { baseUrlField } from "../../core/secure-url.js";

/**
 * Configuration of one Viber bot. Where each value comes from: docs/channels/viber.md.
 * https://developers.viber.com/docs/api/rest-bot-api/#authentication-token
 */
export const ViberConfig = z.object({
  /** The bot's authentication token (Viber Admin Panel, or the bot's "Edit info" screen). Keys the callback signature too. */
  authToken: z
    .string()
    .regex(/^[A-Za-z0-9-]{16,}$/, "authToken is the bot's token from the Viber Admin Panel"),
  /** The sender name shown above every message (send_message `sender.name`, at most 28 characters). */
  senderName: z.string().trim().min(1).max(28, "senderName is at most 28 characters (Viber's limit)"),
  /** Viber's API host. The token goes there, so https (loopback excepted: the simulator). */
  apiBaseUrl: baseUrlField("apiBaseUrl").default("https://chatapi.viber.com"),
});
export type ViberConfig = z.infer<typeof ViberConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const viberSecretFields = ["authToken"] as const;

export function apiUrl(
  config: ViberConfig,
  method: "send_message" | "set_webhook" | "get_account_info",
): string {
  return `${config.apiBaseUrl.replace(/\/+$/, "")}/pa/${method}`;
}
