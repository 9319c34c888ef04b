import { defineChannel } from "../channel.js";
import { BirdConfig, birdSecretFields } from "./config.js";
import { BirdLimits, E164_PATTERN } from "./limits.js";
import { parse } from "./parse.js";
import { send } from "./send.js";
import { verify } from "./verify.js";

/** Bird (formerly MessageBird) channels API, SMS. Setup: docs/channels/bird.md. */
export const birdChannel = defineChannel({
  type: "bird",
  addressIsPhone: true,
  isAddress: (address) => E164_PATTERN.test(address),
  addressHint: 'a phone number in E.164 ("+31612345678")',
  title: "Bird SMS",
  config: BirdConfig,
  secretFields: birdSecretFields,
  capabilities: {
    // `reference` set at send time comes back on every `sms.outbound` status event.
    // https://docs.bird.com/api/channels-api/api-reference/messaging (message object `reference`)
    echoesCorrelation: true,
    maxTextLength: BirdLimits.textChars,
    textUnit: "utf16",
    // SMS: no buttons or lists; choices go as numbered lines. MMS (US/CA numbers) not sent yet.
    media: [],
    templates: false,
    // No reply window for SMS.
    // `sms.outbound` events: sent, delivered, sending_failed, delivery_failed.
    // https://docs.bird.com/api/channels-api/message-status-and-interactions
    statuses: true,
  },
  // Each Bird event names the channel it belongs to (`payload.channelId`); one workspace-wide
  // subscription can post every channel's events to one URL.
  account: (config) => config.channelId,
  verify: (req, config) => verify(req, config),
  parse: (req) => parse(req),
  send,
});

export { BirdConfig } from "./config.js";
export { BirdLimits, E164_PATTERN } from "./limits.js";
export { buildSendBody, messagesUrl } from "./send.js";
export { computeBirdSignature } from "./verify.js";
