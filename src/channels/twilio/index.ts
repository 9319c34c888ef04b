import { defineChannel } from "../channel.js";
import { TwilioConfig, twilioSecretFields } from "./config.js";
import { TWILIO_ADDRESS, TwilioLimits } from "./limits.js";
import { parse } from "./parse.js";
import { send } from "./send.js";
import { setup } from "./setup.js";
import { verify } from "./verify.js";

/** Twilio Programmable Messaging: SMS, MMS and WhatsApp through Twilio. Setup: docs/channels/twilio.md. */
export const twilioChannel = defineChannel({
  type: "twilio",
  addressIsPhone: true,
  isAddress: (address) => TWILIO_ADDRESS.test(address),
  addressHint: 'a phone number in E.164 ("+14155550100"), or "whatsapp:+…" for WhatsApp through Twilio',
  title: "Twilio (SMS)",
  config: TwilioConfig,
  secretFields: twilioSecretFields,
  capabilities: {
    // Status callbacks carry the MessageSid only, and Twilio takes no idempotency key: a send
    // whose answer was lost is not repeated (at most once).
    echoesCorrelation: false,
    maxTextLength: TwilioLimits.bodyChars,
    textUnit: "utf16",
    // SMS has no buttons: choices go as numbered lines (numberedChoices).
    media: [],
    // WhatsApp templates (ContentSid) are not sent yet.
    templates: false,
    // No window for SMS. (WhatsApp through Twilio has 24 h; error 63016 outside it.)
    // StatusCallback: https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
    statuses: true,
    sendRatePerSecond: TwilioLimits.longCodePerSecond,
    // Read timeout 15 s by default: https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides
    ackDeadlineMs: 15_000,
  },
  // A delivery is a form of some 30 short fields around a Body of at most 1,600 characters (a few
  // KB even percent-encoded); the signature covers the sorted, decoded fields, read before it is checked.
  maxWebhookBytes: 64 * 1024,
  verify,
  // The Console lets a number's webhook (and a status callback) be sent by HTTP GET:
  // https://www.twilio.com/docs/messaging/guides/webhook-request
  acceptsGetDeliveries: true,
  parse: (req) => parse(req),
  // An empty TwiML document: Twilio sends no reply of its own (Tern answers through the API later).
  // https://www.twilio.com/docs/messaging/twiml#an-empty-response
  acknowledge: () => ({
    status: 200,
    body: '<?xml version="1.0" encoding="UTF-8"?><Response/>',
    contentType: "text/xml",
  }),
  setup,
  send,
});

export { TwilioConfig } from "./config.js";
export { TWILIO_ADDRESS, TwilioLimits } from "./limits.js";
export { buildMessageForm, messagesUrl } from "./send.js";
export { twilioSignature } from "./verify.js";
