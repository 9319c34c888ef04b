import { LineLimits as L, LINE_ID_PATTERN } from "../../channels/line/limits.js";

/**
 * Checks a push (or reply) request body as the Messaging API does, returning LINE's error details
 * (`{message, property}`) — empty when valid. Text messages with quick replies only: what Tern sends.
 * https://developers.line.biz/en/reference/messaging-api/#send-push-message,
 * #text-message, #quick-reply, #postback-action, #message-action
 */
export interface LineErrorDetail {
  message: string;
  property: string;
}

export interface ParsedPush {
  to: string;
  text: string;
  /** Quick-reply labels in order, and the postback data (or message text) of each. */
  choices: Array<{ label: string; data: string }>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function validatePush(body: unknown): { push?: ParsedPush; details: LineErrorDetail[] } {
  return validateSend(body, (b, fail) => {
    if (typeof b.to !== "string" || !LINE_ID_PATTERN.test(b.to)) fail("to", "The value is not a valid ID");
    return typeof b.to === "string" ? b.to : "";
  });
}

/**
 * A reply request body (`replyToken` instead of `to`); `to` comes back empty: whom the token
 * answers is the simulator's to know. https://developers.line.biz/en/reference/messaging-api/#send-reply-message
 */
export function validateReply(body: unknown): {
  push?: ParsedPush & { replyToken: string };
  details: LineErrorDetail[];
} {
  let replyToken = "";
  const { push, details } = validateSend(body, (b, fail) => {
    if (typeof b.replyToken !== "string" || b.replyToken.length === 0) fail("replyToken", "May not be empty");
    else replyToken = b.replyToken;
    return "";
  });
  return push ? { push: { ...push, replyToken }, details } : { details };
}

function validateSend(
  body: unknown,
  recipient: (body: Json, fail: (property: string, message: string) => void) => string,
): { push?: ParsedPush; details: LineErrorDetail[] } {
  const details: LineErrorDetail[] = [];
  const fail = (property: string, message: string): void => {
    details.push({ property, message });
  };
  if (!isObject(body)) return { details: [{ property: "", message: "Invalid request body" }] };
  const to = recipient(body, fail);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) fail("messages", "May not be empty");
  else if (messages.length > L.messagesPerRequest)
    fail("messages", `Size must be between 1 and ${L.messagesPerRequest}`);
  const first = Array.isArray(messages) ? (messages[0] as unknown) : undefined;
  const choices: ParsedPush["choices"] = [];
  let text = "";
  if (isObject(first)) {
    if (first.type !== "text") fail("messages[0].type", "Must be one of the following values: [text, …]");
    if (typeof first.text !== "string" || first.text.length === 0)
      fail("messages[0].text", "May not be empty");
    else if (first.text.length > L.textChars)
      fail("messages[0].text", `Length must be between 0 and ${L.textChars}`);
    else text = first.text;
    if (first.quickReply !== undefined) checkQuickReply(first.quickReply, choices, fail);
  }
  if (details.length > 0) return { details };
  return { push: { to, text, choices }, details };
}

function checkQuickReply(
  quickReply: unknown,
  choices: ParsedPush["choices"],
  fail: (property: string, message: string) => void,
): void {
  const items = isObject(quickReply) ? quickReply.items : undefined;
  if (!Array.isArray(items) || items.length === 0 || items.length > L.quickReplyItems) {
    fail("messages[0].quickReply.items", `Size must be between 1 and ${L.quickReplyItems}`);
    return;
  }
  items.forEach((item: unknown, i) => {
    const problem = quickReplyProblem(item, choices);
    if (problem) fail(`messages[0].quickReply.items[${i}]${problem.property}`, problem.message);
  });
}

function quickReplyProblem(
  item: unknown,
  choices: ParsedPush["choices"],
): { property: string; message: string } | undefined {
  const action = isObject(item) && item.type === "action" && isObject(item.action) ? item.action : undefined;
  if (!action) return { property: ".action", message: "May not be empty" };
  const label = action.label;
  if (typeof label !== "string" || label.length === 0 || label.length > L.actionLabelChars) {
    return { property: ".action.label", message: `Length must be between 1 and ${L.actionLabelChars}` };
  }
  if (action.type === "postback") {
    const data = action.data;
    if (typeof data !== "string" || data.length === 0 || data.length > L.postbackDataChars) {
      return { property: ".action.data", message: `Length must be between 1 and ${L.postbackDataChars}` };
    }
    choices.push({ label, data });
    return undefined;
  }
  if (action.type === "message") {
    if (typeof action.text !== "string" || action.text.length === 0) {
      return { property: ".action.text", message: "May not be empty" };
    }
    choices.push({ label, data: action.text });
    return undefined;
  }
  return { property: ".action.type", message: "Must be one of the following values: [postback, message, …]" };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);
