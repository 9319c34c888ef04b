import { defineChannel } from "../channel.js";
import { hubHandshake } from "../meta/handshake.js";
import { parseMessagingWebhook } from "../meta/messaging-parse.js";
import {
  isScopedId,
  messagesUrl,
  QuickReplyLimits,
  type SendApiProduct,
  sendViaSendApi,
} from "../meta/send-api.js";
import { verifyHubSignature } from "../meta/signature.js";
import { InstagramConfig, instagramSecretFields } from "./config.js";

/**
 * Instagram messaging's Send API. "Message text must be UTF-8 and be a 1000 bytes or less";
 * attachments by URL: image, video, audio, file (pdf). Its text example carries no
 * messaging_type, its quick-replies page sets `messaging_type: "RESPONSE"`: every send carries it,
 * which both accept.
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api/quick-replies
 */
export const instagramSendApi: SendApiProduct = {
  provider: "Instagram",
  textLimit: { max: 1000, unit: "bytes" },
  sendsMessagingType: true,
  // Instagram's messaging docs list no `metadata` on sends: nothing comes back to correlate.
  echoesMetadata: false,
  attachmentTypes: { image: "image", video: "video", audio: "audio", document: "file" },
  tokenHint:
    "Generate a new long-lived Instagram User access token with instagram_business_manage_messages (Instagram → API setup with Instagram login) and update the channel.",
};

const product = { object: "instagram", name: "Instagram" } as const;

/** Instagram messaging (Instagram API with Instagram Login). Setup: docs/channels/instagram.md. */
export const instagramChannel = defineChannel({
  type: "instagram",
  title: "Instagram",
  isAddress: isScopedId,
  addressHint: "the Instagram-scoped id (IGSID, digits) Instagram gave the customer",
  config: InstagramConfig,
  secretFields: instagramSecretFields,
  capabilities: {
    // No documented metadata echo: a send whose answer was lost is not repeated (at-most-once).
    echoesCorrelation: false,
    // 1000 bytes; a limit in characters must hold for any text, so the byte count is the bound.
    maxTextLength: instagramSendApi.textLimit.max,
    textUnit: "bytes",
    buttons: { max: QuickReplyLimits.max, titleMax: QuickReplyLimits.titleChars },
    media: ["image", "video", "audio", "document"],
    templates: false,
    // "Your app has 24 hours to respond to any message sent from an Instagram user"; HUMAN_AGENT 7 days.
    replyWindowHours: 24,
    afterReplyWindow: "only a human agent's reply tagged HUMAN_AGENT, for up to 7 days",
    // No per-message delivered receipts; messaging_seen gives `read` for a mid.
    statuses: true,
    // 300 calls per second per account for text (Messenger Platform rate limiting).
    sendRatePerSecond: 300,
    ackDeadlineMs: 20_000,
  },
  handshake: (req, config) =>
    hubHandshake(
      req,
      config.verifyToken,
      "Instagram → API setup with Instagram login → Webhooks → Verify token",
    ),
  verify: (req, config) =>
    verifyHubSignature(
      req,
      config.appSecret,
      "the Instagram app secret (Instagram → API setup with Instagram login → Business login settings), not the Facebook app secret",
    ),
  parse: (req) => parseMessagingWebhook(req, product),
  // One app posts every connected account's events to one URL; entry[].id is the IG account id.
  webhookObject: "instagram",
  account: (config) => config.accountId,
  send: (message, config, deps) =>
    sendViaSendApi(
      message,
      instagramSendApi,
      {
        url: messagesUrl(config.apiBaseUrl, config.apiVersion, config.accountId),
        accessToken: config.accessToken,
      },
      deps,
    ),
});

export { InstagramConfig } from "./config.js";
