import { defineChannel } from "../channel.js";
import { WhatsAppConfig, whatsappSecretFields } from "./config.js";
import { WhatsAppChoices, WhatsAppLimits } from "./limits.js";
import { parse } from "./parse.js";
import { isWhatsAppAddress, send } from "./send.js";
import { handshake, verify } from "./verify.js";

/** WhatsApp Business Cloud API (Meta Graph API). Setup: ./README.md. */
export const whatsappChannel = defineChannel({
  type: "whatsapp",
  addressIsPhone: true,
  // A wa_id is the number's digits, without "+".
  addressForPhone: (e164) => e164.replace(/^\+/, ""),
  isAddress: isWhatsAppAddress,
  addressHint: 'the wa_id (phone digits, e.g. "4915123456789") or a business-scoped user id ("US.1349…")',
  title: "WhatsApp",
  config: WhatsAppConfig,
  secretFields: whatsappSecretFields,
  capabilities: {
    // Status webhooks echo biz_opaque_callback_data:
    // https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
    echoesCorrelation: true,
    maxTextLength: WhatsAppLimits.textBodyChars,
    buttons: WhatsAppChoices.buttons,
    lists: WhatsAppChoices.lists,
    // Media by link is not sent yet (send.ts sends text and interactive messages only).
    media: [],
    templates: true,
    // The customer service window: https://developers.facebook.com/docs/whatsapp/pricing#customer-service-windows
    replyWindowHours: 24,
    afterReplyWindow: "only approved message templates",
    statuses: true,
    // 80 messages per second per business phone number by default, 1,000 after Meta's upgrade
    // (config.sendRatePerSecond): https://developers.facebook.com/docs/whatsapp/throughput
    sendRatePerSecond: 80,
  },
  handshake,
  verify,
  parse: (req) => parse(req),
  // One Meta app posts the events of all its numbers to one callback URL.
  // https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components (metadata)
  webhookObject: "whatsapp_business_account",
  account: (config) => config.phoneNumberId,
  sendRatePerSecond: (config) => config.sendRatePerSecond,
  send,
});

export { WhatsAppConfig } from "./config.js";
export { type GraphError, graphErrorToAppError } from "./errors.js";
export { WhatsAppLimits } from "./limits.js";
export { buildSendBody, messagesUrl } from "./send.js";
export { computeSignature } from "./verify.js";
