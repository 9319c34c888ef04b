import { defineChannel } from "../channel.js";
import { LineConfig, lineSecretFields } from "./config.js";
import { LINE_ID_PATTERN, LineLimits, LineQuickReplies } from "./limits.js";
import { parse } from "./parse.js";
import { send } from "./send.js";
import { verify } from "./verify.js";

/** LINE Messaging API (LINE Official Account). Setup: docs/channels/line.md. */
export const lineChannel = defineChannel({
  type: "line",
  title: "LINE",
  isAddress: (address) => LINE_ID_PATTERN.test(address),
  addressHint: 'a LINE user id ("U" and 32 hex digits)',
  config: LineConfig,
  secretFields: lineSecretFields,
  capabilities: {
    // LINE posts no delivery statuses for ordinary messages, so nothing echoes a correlation id.
    // A push whose outcome is unknown is still safe to repeat: send.ts derives X-Line-Retry-Key
    // from the effect key (see `idempotentSends`).
    echoesCorrelation: false,
    idempotentSends: true,
    maxTextLength: LineLimits.textChars,
    textUnit: "utf16",
    // Quick-reply postback buttons: https://developers.line.biz/en/reference/messaging-api/#quick-reply
    buttons: LineQuickReplies,
    // Image/video/audio messages need https URLs for content and preview; not sent yet.
    media: [],
    templates: false,
    // No reply window: push works at any time while the user has not blocked the account.
    statuses: false,
    sendRatePerSecond: LineLimits.pushPerSecond,
    // "request_timeout": the webhook answer must arrive within 2 s.
    // https://developers.line.biz/en/docs/messaging-api/check-webhook-error-statistics/
    ackDeadlineMs: 2_000,
  },
  // Free replies when asked for (config.replyWithToken), while the token is fresh; else push.
  repliesWithToken: (config, receivedAt, now) =>
    config.replyWithToken && now - receivedAt < LineLimits.replyTokenFreshMs,
  verify,
  parse: (req) => parse(req),
  send,
});

export { LineConfig } from "./config.js";
export { LINE_ID_PATTERN, LineLimits } from "./limits.js";
export { lineRetryKey } from "./retry-key.js";
export { buildPushBody, pushUrl } from "./send.js";
export { computeLineSignature } from "./verify.js";
