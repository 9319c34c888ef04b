import type { MetaMessagingProduct } from "./product.js";

/**
 * Request validation of the simulated Send API (`POST /{version}/{id}/messages`), following
 * Meta's Send API reference and quick-replies page. Problems are thrown as Graph words them
 * (code 100, "(#100) …").
 * https://developers.facebook.com/docs/messenger-platform/reference/send-api
 * https://developers.facebook.com/docs/messenger-platform/send-messages/quick-replies
 */

export interface ParsedSend {
  to: string;
  /** The text the customer sees; empty for an attachment alone. */
  text: string;
  /** Quick-reply titles as shown (Meta cuts titles after 20 characters) and payloads. */
  choices: Array<{ title: string; payload: string }>;
  attachment?: { type: string; url?: string };
  messagingType?: string;
  tag?: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export class SendValidationError extends Error {}

function fail(message: string): never {
  throw new SendValidationError(`(#100) ${message}`);
}

const MESSAGING_TYPES = ["RESPONSE", "UPDATE", "MESSAGE_TAG"];
const TAGS = ["CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE", "HUMAN_AGENT"];
const QUICK_REPLY_TYPES = ["text", "user_phone_number", "user_email"];

function textSize(text: string, product: MetaMessagingProduct): number {
  return product.textLimit.unit === "bytes" ? Buffer.byteLength(text, "utf8") : [...text].length;
}

function parseQuickReplies(raw: unknown): ParsedSend["choices"] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length === 0)
    fail("param message[quick_replies] must be a non-empty array.");
  if (raw.length > 13) fail("param message[quick_replies] must have at most 13 items.");
  return raw.map((item: unknown, i) => {
    if (!isObject(item) || !QUICK_REPLY_TYPES.includes(String(item.content_type))) {
      fail(
        `param message[quick_replies][${i}][content_type] must be one of {text, user_phone_number, user_email}.`,
      );
    }
    if (item.content_type !== "text") return { title: String(item.content_type), payload: "" };
    if (typeof item.title !== "string" || item.title.length === 0) {
      fail(`param message[quick_replies][${i}][title] is required for content_type text.`);
    }
    if (typeof item.payload !== "string" && typeof item.payload !== "number") {
      fail(`param message[quick_replies][${i}][payload] is required for content_type text.`);
    }
    const payload = String(item.payload);
    if ([...payload].length > 1000)
      fail(`param message[quick_replies][${i}][payload] must be at most 1000 characters.`);
    // Titles longer than 20 characters are not refused: Meta cuts them, and so does the customer's screen.
    return { title: [...item.title].slice(0, 20).join(""), payload };
  });
}

function parseAttachment(raw: unknown, product: MetaMessagingProduct): NonNullable<ParsedSend["attachment"]> {
  if (!isObject(raw) || typeof raw.type !== "string") fail("param message[attachment][type] is required.");
  if (!product.attachmentTypes.includes(raw.type)) {
    fail(`param message[attachment][type] must be one of {${product.attachmentTypes.join(", ")}}.`);
  }
  const payload = isObject(raw.payload) ? raw.payload : undefined;
  const url = typeof payload?.url === "string" ? payload.url : undefined;
  if (["image", "video", "audio", "file"].includes(raw.type)) {
    if (!url && typeof payload?.attachment_id !== "string") {
      fail("param message[attachment][payload] must have a url or an attachment_id.");
    }
    if (url && !/^https?:\/\//.test(url))
      fail("param message[attachment][payload][url] must be a valid URL.");
  }
  return { type: raw.type, ...(url ? { url } : {}) };
}

export function validateSend(body: unknown, product: MetaMessagingProduct): ParsedSend {
  if (!isObject(body)) fail("The request body must be a JSON object.");
  const recipient = isObject(body.recipient) ? body.recipient : undefined;
  const to =
    typeof recipient?.id === "string" || typeof recipient?.id === "number" ? String(recipient.id) : "";
  if (!to) fail("The parameter recipient is required.");
  const messagingType = body.messaging_type;
  if (messagingType === undefined && product.requiresMessagingType)
    fail("The parameter messaging_type is required.");
  if (messagingType !== undefined && !MESSAGING_TYPES.includes(String(messagingType))) {
    fail("param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}.");
  }
  const tag = body.tag;
  if (messagingType === "MESSAGE_TAG" && (typeof tag !== "string" || !TAGS.includes(tag))) {
    fail(`param tag must be one of {${TAGS.join(", ")}} when messaging_type is MESSAGE_TAG.`);
  }
  const message = body.message;
  if (!isObject(message)) fail("The parameter message is required.");
  const hasText = message.text !== undefined;
  const hasAttachment = message.attachment !== undefined;
  if (hasText === hasAttachment) fail("message must have exactly one of text or attachment.");
  const choices = parseQuickReplies(message.quick_replies);
  const base = {
    to,
    choices,
    ...(typeof messagingType === "string" ? { messagingType } : {}),
    ...(typeof tag === "string" ? { tag } : {}),
  };
  if (hasAttachment) return { ...base, text: "", attachment: parseAttachment(message.attachment, product) };
  if (typeof message.text !== "string" || message.text.length === 0)
    fail("param message[text] must be a non-empty string.");
  if (textSize(message.text, product) > product.textLimit.max) {
    fail(
      `Length of param message[text] must be less than or equal to ${product.textLimit.max} ${product.textLimit.unit}.`,
    );
  }
  return { ...base, text: message.text };
}
