import type { ChoiceLimits } from "../channel.js";

/**
 * Documented limits of the Messaging API, shared by the adapter and the simulator.
 * Text message: max 5,000 characters — https://developers.line.biz/en/reference/messaging-api/#text-message
 * Quick reply: max 13 items, action label max 20 characters —
 * https://developers.line.biz/en/reference/messaging-api/#quick-reply and #postback-action
 * Postback data: max 300 characters; displayText max 300 characters (same page, postback action).
 * Push: 1–5 message objects per request — https://developers.line.biz/en/reference/messaging-api/#send-push-message
 * Rate limit: 2,000 requests per second for push — https://developers.line.biz/en/reference/messaging-api/#rate-limits
 * Reply token: single use, "within one minute" of the event (an older reference; the current one
 * says only "a certain period", and users report refusals after about 30 s). Tern uses one for 30 s
 * from the event's timestamp and pushes when LINE refuses it anyway.
 * https://developers.line.biz/en/reference/messaging-api/#send-reply-message
 */
export const LineLimits = {
  textChars: 5000,
  quickReplyItems: 13,
  actionLabelChars: 20,
  postbackDataChars: 300,
  displayTextChars: 300,
  messagesPerRequest: 5,
  pushPerSecond: 2000,
  replyTokenFreshMs: 30_000,
} as const;

/** LINE counts characters as UTF-16 code units ("Character counting in a text", LINE docs). */
export function lineLength(value: string): number {
  return value.length;
}

/**
 * Quick-reply postback buttons as the channel's capabilities state them (adapter and validator):
 * labels and data counted as LINE counts them.
 */
export const LineQuickReplies = {
  max: LineLimits.quickReplyItems,
  titleMax: LineLimits.actionLabelChars,
  idMax: LineLimits.postbackDataChars,
  length: lineLength,
} as const satisfies ChoiceLimits;

/** A user, group or room id: U/C/R followed by 32 hex digits (webhook `source`). */
export const LINE_ID_PATTERN = /^[UCR][0-9a-f]{32}$/;
