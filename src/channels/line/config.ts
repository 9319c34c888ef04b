import { z } from "zod";
import { baseUrlField } from "../../core/secure-url.js";

/**
 * Configuration of one LINE Messaging API channel (one LINE Official Account).
 * Where to find each value in the LINE Developers Console: docs/channels/line.md.
 */
export const LineConfig = z.object({
  /** Basic settings → Channel secret. Keys the x-line-signature HMAC. */
  channelSecret: z.string().min(1),
  /** Messaging API → Channel access token (long-lived, or one issued by the token API). */
  channelAccessToken: z.string().min(1),
  /** Messaging API host. The access token goes there, so https (loopback excepted: the simulator). */
  apiBaseUrl: baseUrlField("apiBaseUrl").default("https://api.line.me"),
  /**
   * Answer with the message's reply token when it is fresh (free, where pushes count against the
   * monthly quota), else push. Off by default: an answer whose reply call's outcome is unknown is
   * not repeated (at most once), where a push is retried safely (docs/channels/line.md).
   */
  replyWithToken: z.boolean().default(false),
});
export type LineConfig = z.infer<typeof LineConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const lineSecretFields = ["channelSecret", "channelAccessToken"] as const;
