import { defineChannel } from "../channel.js";
import { VonageConfig, vonageSecretFields } from "./config.js";
import { parse } from "./parse.js";
import { isVonageAddress, send, VONAGE_TEXT_CHARS } from "./send.js";
import { setup } from "./setup.js";
import { handshake, verify } from "./verify.js";

/** Vonage SMS API (legacy SMS API, formerly Nexmo). Setup: docs/channels/vonage.md. */
export const vonageChannel = defineChannel({
  type: "vonage",
  addressIsPhone: true,
  isAddress: isVonageAddress,
  addressHint: 'a phone number in E.164 ("+447700900000" or "447700900000")',
  title: "Vonage (SMS)",
  config: VonageConfig,
  secretFields: vonageSecretFields,
  // The Dashboard may be set to deliver webhooks by GET with the parameters in the query string.
  acceptsGetDeliveries: true,
  capabilities: {
    // Delivery receipts echo `client-ref`, which send.ts sets to the correlation id (sms.yml
    // DeliveryReceipt: "If the client-ref is set when the SMS is sent, it will be included").
    echoesCorrelation: true,
    maxTextLength: VONAGE_TEXT_CHARS,
    textUnit: "utf16",
    media: [],
    templates: false,
    // Delivery receipts: https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts
    statuses: true,
    // The SMS API's default: 30 requests per second per API key.
    // https://api.support.vonage.com/hc/en-us/articles/203993598
    sendRatePerSecond: 30,
  },
  // Vonage numbers are international format without a leading + (msisdn, and `to` on send).
  addressForPhone: (e164) => e164.replace(/^\+/, ""),
  handshake,
  // An inbound SMS or receipt is some 15 short parameters (sms.yml); `sig` covers them sorted,
  // decoded from the form or JSON body before it can be checked.
  maxWebhookBytes: 64 * 1024,
  verify,
  parse: (req) => parse(req),
  // "you must send a 2xx response"; Vonage ignores the body (sms.yml inbound-sms).
  acknowledge: () => ({ status: 200, body: "" }),
  setup,
  send,
});

export { VonageConfig, VonageSignatureMethod } from "./config.js";
export { webhookParams } from "./params.js";
export { buildSmsForm, smsUrl, VONAGE_TEXT_CHARS } from "./send.js";
export { signingString, vonageSignature } from "./signature.js";
