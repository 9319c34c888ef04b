import { z } from "zod";
import { apiBaseUrl, apiVersion, graphId } from "../meta/config-fields.js";

/**
 * One Instagram professional account's messages, through the Instagram API with Instagram Login
 * (graph.instagram.com, no Facebook Page needed). Where to find each value: docs/channels/instagram.md.
 */
export const InstagramConfig = z.object({
  /** The Instagram professional account id (`user_id` of GET /me): entry[].id of webhooks. */
  accountId: graphId("accountId"),
  /** Instagram User access token with instagram_business_manage_messages (long-lived: 60 days). */
  accessToken: z.string().min(1),
  /** The Instagram app secret (Instagram → API setup with Instagram login → App settings). */
  appSecret: z.string().min(1),
  /** Any string you choose; Meta echoes it in the GET verification handshake. */
  verifyToken: z.string().min(1),
  apiBaseUrl: apiBaseUrl("https://graph.instagram.com"),
  apiVersion,
});
export type InstagramConfig = z.infer<typeof InstagramConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const instagramSecretFields = ["accessToken", "appSecret", "verifyToken"] as const;
