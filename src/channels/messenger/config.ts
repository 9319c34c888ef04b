import { z } from "zod";
import { apiBaseUrl, apiVersion, graphId } from "../meta/config-fields.js";

/**
 * One Facebook Page's Messenger inbox. Where to find each value: docs/channels/messenger.md.
 */
export const MessengerConfig = z.object({
  /** The Page id (Page → About → Page transparency, or Meta Business Suite): entry[].id of webhooks. */
  pageId: graphId("pageId"),
  /** Page access token with pages_messaging (a system-user token does not expire). */
  pageAccessToken: z.string().min(1),
  /** Meta App Secret (App settings → Basic). Keys the X-Hub-Signature-256 HMAC. */
  appSecret: z.string().min(1),
  /** Any string you choose; Meta echoes it in the GET verification handshake. */
  verifyToken: z.string().min(1),
  apiBaseUrl: apiBaseUrl("https://graph.facebook.com"),
  apiVersion,
});
export type MessengerConfig = z.infer<typeof MessengerConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const messengerSecretFields = ["pageAccessToken", "appSecret", "verifyToken"] as const;
