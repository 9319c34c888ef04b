import { defineChannel } from "../channel.js";
import { RcsConfig, rcsSecretFields } from "./config.js";
import { bareAgentId, E164_PATTERN, RcsLimits, RcsSuggestions } from "./limits.js";
import { acknowledge, parse } from "./parse.js";
import { send } from "./send.js";
import { verify } from "./verify.js";

/** RCS Business Messaging ("RCS for Business"), one agent. Setup: docs/channels/rcs.md. */
export const rcsChannel = defineChannel({
  type: "rcs",
  addressIsPhone: true,
  isAddress: (address) => E164_PATTERN.test(address),
  addressHint: 'a phone number in E.164 ("+12223334444")',
  title: "RCS Business Messaging",
  config: RcsConfig,
  secretFields: rcsSecretFields,
  capabilities: {
    // DELIVERED / READ name the agent message id, which Tern derives from the correlation id:
    // nothing is echoed, but a repeat with the same messageId is ignored by Google.
    echoesCorrelation: false,
    idempotentSends: true,
    maxTextLength: RcsLimits.textChars,
    textUnit: "utf16",
    // Suggested replies: at most 11 chips of 25 characters.
    // https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages#AgentContentMessage
    buttons: RcsSuggestions,
    // A standalone rich card with the image or video by URL and the text as its description.
    media: ["image", "video"],
    templates: false,
    // No reply window: an agent may message a reachable RCS user at any time (launch rules apply).
    statuses: true,
  },
  // Each event's data names its agent: a partner webhook posts every agent's events to one URL.
  account: (config) => bareAgentId(config.agentId),
  // An event is a Pub/Sub push envelope around one user message (text of at most a few thousand
  // characters, files by URI): a few KB. The signature covers its `message.data`, read from the
  // JSON body before it can be checked.
  maxWebhookBytes: 64 * 1024,
  verify,
  parse: (req) => parse(req),
  acknowledge: (req) => acknowledge(req),
  send,
});

export { accessToken, signAssertion, tokenUrlOf } from "./access-token.js";
export { RcsConfig, ServiceAccountKey } from "./config.js";
export { E164_PATTERN, NOT_RCS_CAPABLE, RBM_SCOPE, RcsLimits } from "./limits.js";
export { rcsMessageId } from "./message-id.js";
export { agentMessagesUrl, buildAgentMessage } from "./send.js";
export { computeRcsSignature } from "./verify.js";
