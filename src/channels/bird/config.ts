import { z } from "zod";
import { baseUrlField } from "../../core/secure-url.js";

/**
 * Configuration of one Bird (formerly MessageBird) channel, usually an SMS number.
 * Where to find each value in Bird's dashboard: docs/channels/bird.md.
 */
export const BirdConfig = z.object({
  /** Settings → Workspace → Workspace ID (a UUID); part of the send path. */
  workspaceId: z.string().min(1),
  /** Developer → Channels → the installed channel's ID (a UUID); part of the send path. */
  channelId: z.string().min(1),
  /** Settings → Security → Access keys: sent as `Authorization: AccessKey <key>`. */
  accessKey: z.string().min(1),
  /** The `signingKey` given when the webhook subscription was created; keys both signature schemes. */
  signingKey: z.string().min(1),
  /** Bird API host. The access key goes there, so https (loopback excepted: the simulator). */
  apiBaseUrl: baseUrlField("apiBaseUrl").default("https://api.bird.com"),
});
export type BirdConfig = z.infer<typeof BirdConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const birdSecretFields = ["accessKey", "signingKey"] as const;
