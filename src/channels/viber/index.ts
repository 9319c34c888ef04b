import { createHash } from "node:crypto";
import { defineChannel } from "../channel.js";
import { ViberConfig, viberSecretFields } from "./config.js";
import { ViberButtons, ViberLimits } from "./limits.js";
import { parse } from "./parse.js";
import { send } from "./send.js";
import { setup, teardown } from "./setup.js";
import { verify } from "./verify.js";

/** Viber REST Bot API. Setup: docs/channels/viber.md; wire notes: ./README.md. */
export const viberChannel = defineChannel({
  type: "viber",
  title: "Viber",
  config: ViberConfig,
  secretFields: viberSecretFields,
  /**
   * The bot, named by a digest of its token (the token is the bot's only name in the config, and a
   * secret): a bot has one webhook, which each channel sets on setup, so a second channel of one bot
   * took the first one's messages. One bot, one channel (integration-admin.ts refuses another, 409).
   */
  account: (config) =>
    `token sha256:${createHash("sha256").update(config.authToken).digest("hex").slice(0, 16)}`,
  capabilities: {
    // delivered/seen/failed name the message_token only; tracking_data is not echoed in them.
    echoesCorrelation: false,
    maxTextLength: ViberLimits.textChars,
    buttons: ViberButtons,
    media: ["image"],
    templates: false,
    // No hard window, but messages outside a 24 h session may be billed (billing_status, send-message.md).
    statuses: true,
  },
  verify,
  parse: (req) => parse(req),
  /**
   * 200 with an empty body. Viber reads the answer to `conversation_started` as a welcome message
   * (send_message JSON without `receiver`), so the default `OK` would be an unreadable one; Tern
   * sends no welcome message. https://github.com/Viber/creators-hub docs/bots-api/resources/messaging/welcome-message.md
   */
  acknowledge: () => ({ status: 200, body: "" }),
  setup,
  teardown,
  send,
});

export { ViberConfig } from "./config.js";
export { ViberLimits } from "./limits.js";
export { parseJsonLossless } from "./lossless.js";
export { buildSendBody } from "./send.js";
export { computeSignature } from "./verify.js";
