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
import { MessengerConfig, messengerSecretFields } from "./config.js";

/**
 * Messenger's Send API, as Tern uses it. Text: 2000 characters ("Must be UTF-8 and has a 2000
 * character limit", Send API reference, message.text); attachments by URL: image, video, audio, file.
 * https://developers.facebook.com/docs/messenger-platform/reference/send-api
 */
export const messengerSendApi: SendApiProduct = {
  provider: "Messenger",
  textLimit: { max: 2000, unit: "characters" },
  sendsMessagingType: true,
  echoesMetadata: true,
  attachmentTypes: { image: "image", video: "video", audio: "audio", document: "file" },
  tokenHint:
    "Generate a Page access token with pages_messaging (a system user's token in Business settings does not expire) and update the channel.",
};

const product = { object: "page", name: "Messenger" } as const;

/** Facebook Messenger (Messenger Platform, Graph API). Setup: docs/channels/messenger.md. */
export const messengerChannel = defineChannel({
  type: "messenger",
  title: "Messenger",
  isAddress: isScopedId,
  addressHint: "the Page-scoped id (PSID, digits) Messenger gave the customer",
  config: MessengerConfig,
  secretFields: messengerSecretFields,
  capabilities: {
    // Tern sends the effect key as message.metadata; the `message_echoes` webhook brings it back
    // (subscribe that field: docs/channels/messenger.md), so a send whose answer was lost is settled.
    // https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-echoes
    echoesCorrelation: true,
    maxTextLength: messengerSendApi.textLimit.max,
    buttons: { max: QuickReplyLimits.max, titleMax: QuickReplyLimits.titleChars },
    media: ["image", "video", "audio", "document"],
    // Message tags, not templates, cover sends outside the window (docs/channels/messenger.md).
    templates: false,
    // Standard messaging window: https://developers.facebook.com/docs/messenger-platform/policy/policy-overview
    replyWindowHours: 24,
    afterReplyWindow:
      'only messages sent with a message tag (messaging_type "MESSAGE_TAG", such as HUMAN_AGENT)',
    // message_deliveries with mids: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries
    statuses: true,
    // 300 calls per second per Page for text:
    // https://developers.facebook.com/docs/messenger-platform/overview/rate-limiting
    sendRatePerSecond: 300,
    // Meta waits 20 s for the answer: https://developers.facebook.com/docs/messenger-platform/faq
    ackDeadlineMs: 20_000,
  },
  handshake: (req, config) =>
    hubHandshake(req, config.verifyToken, "Messenger → Messenger API Settings → Webhooks → Verify token"),
  verify: (req, config) =>
    verifyHubSignature(
      req,
      config.appSecret,
      "the one under App settings → Basic of the Meta app subscribed to this Page",
    ),
  parse: (req) => parseMessagingWebhook(req, product),
  // One app posts every subscribed Page's events to one callback URL; entry[].id is the Page.
  // https://developers.facebook.com/docs/messenger-platform/webhooks
  webhookObject: "page",
  account: (config) => config.pageId,
  send: (message, config, deps) =>
    sendViaSendApi(
      message,
      messengerSendApi,
      {
        url: messagesUrl(config.apiBaseUrl, config.apiVersion, config.pageId),
        accessToken: config.pageAccessToken,
      },
      deps,
    ),
});

export { MessengerConfig } from "./config.js";
