import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { callProvider, type ProviderCall, unreadableAnswer } from "../provider-http.js";
import { sendApiRefusal } from "./send-errors.js";

/**
 * The Send API shared by Messenger and Instagram messaging:
 * `POST /{version}/{page-or-ig-id}/messages` with `{recipient:{id}, message:{…}}`, answered
 * `{recipient_id, message_id}`.
 * Messenger: https://developers.facebook.com/docs/messenger-platform/reference/send-api
 * Instagram: https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api
 */

/** Quick replies: at most 13, titles of 20 characters (longer ones are cut by Meta, so Tern
 * sends numbered text instead), payloads of 1000 characters.
 * https://developers.facebook.com/docs/messenger-platform/send-messages/quick-replies
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api/quick-replies */

/** A user id scoped to the Page or Instagram account (PSID, IGSID): what `recipient.id` takes. */
export function isScopedId(to: string): boolean {
  return /^[0-9A-Za-z_.-]{1,64}$/.test(to);
}

export const QuickReplyLimits = { max: 13, titleChars: 20, payloadChars: 1000 } as const;

type MediaKind = NonNullable<OutboundMessage["media"]>["kind"];

/** What differs between the products that share the Send API. */
export interface SendApiProduct {
  /** Name in messages, e.g. "Messenger". */
  provider: string;
  /** Longest text: Messenger counts characters (2000), Instagram UTF-8 bytes (1000). */
  textLimit: { max: number; unit: "characters" | "bytes" };
  /** Messenger requires `messaging_type` on every send; Instagram documents it on quick replies. */
  sendsMessagingType: boolean;
  /** Outbound media kind → Send API attachment type. */
  attachmentTypes: Partial<Record<MediaKind, string>>;
  /** Where a person gets a new token, for error messages. */
  tokenHint: string;
  /**
   * Sends `correlationId` as `message.metadata`, which Meta delivers back on the echo of the
   * message (Messenger: "Custom string that is delivered as a message echo. 1000 character limit").
   */
  echoesMetadata: boolean;
}

const METADATA_MAX_CHARS = 1000;

/** Messenger counts characters (code points), not UTF-16 units: an emoji is one. */
export function charLength(value: string): number {
  return [...value].length;
}

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

function textSize(text: string, product: SendApiProduct): number {
  return product.textLimit.unit === "bytes" ? Buffer.byteLength(text, "utf8") : charLength(text);
}

type Choice = { id: string; title: string };

/** Quick replies need a text to ride on, and every title and payload within Meta's limits. */
export function fitsQuickReplies(choices: ReadonlyArray<Choice>): boolean {
  return (
    choices.length > 0 &&
    choices.length <= QuickReplyLimits.max &&
    choices.every((c) => c.title.trim().length > 0 && charLength(c.title) <= QuickReplyLimits.titleChars) &&
    choices.every((c) => c.id.length > 0 && charLength(c.id) <= QuickReplyLimits.payloadChars)
  );
}

function quickReplies(choices: ReadonlyArray<Choice>) {
  return choices.map((c) => ({ content_type: "text", title: c.title, payload: c.id }));
}

export interface SendOptions {
  /**
   * A message tag for a send outside the 24-hour window (e.g. `HUMAN_AGENT`, 7 days, needs
   * approval). Sent as `messaging_type: "MESSAGE_TAG"` + `tag`.
   * https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags
   */
  tag?: string;
}

/**
 * The request bodies for one outbound message: one, or two when media comes with text (the Send
 * API has no caption: the text goes first, the attachment last, carrying the quick replies so they
 * stay above the composer).
 */
export function buildSendBodies(
  message: OutboundMessage,
  product: SendApiProduct,
  options: SendOptions = {},
): Array<Record<string, unknown>> {
  if (!isScopedId(message.to)) {
    throw sendFailed(
      `"${message.to.slice(0, 70)}" is not a ${product.provider} user id (a scoped numeric id).`,
    );
  }
  const choices = message.choices ?? [];
  const useQuickReplies = fitsQuickReplies(choices) && (message.text.trim().length > 0 || !!message.media);
  const text = useQuickReplies ? message.text : numberedChoices(message.text, choices);
  if (textSize(text, product) > product.textLimit.max) {
    throw sendFailed(
      `The message is ${textSize(text, product)} ${product.textLimit.unit}; ${product.provider} allows ${product.textLimit.max}. Shorten it.`,
    );
  }
  const envelope = (content: Record<string, unknown>) => ({
    recipient: { id: message.to },
    ...messagingType(product, options),
    message: content,
  });
  // On the last body only: its id is the message's id, and its echo settles the whole send.
  const replies = {
    ...(useQuickReplies ? { quick_replies: quickReplies(choices) } : {}),
    ...metadata(message, product),
  };
  if (!message.media) {
    if (text.trim().length === 0) throw sendFailed(`Cannot send an empty ${product.provider} message.`);
    return [envelope({ text, ...replies })];
  }
  const type = product.attachmentTypes[message.media.kind];
  if (!type) throw sendFailed(`${product.provider} cannot send ${message.media.kind} by URL.`);
  const attachment = envelope({
    attachment: { type, payload: { url: message.media.url, is_reusable: false } },
    ...replies,
  });
  return text.trim().length > 0 ? [envelope({ text }), attachment] : [attachment];
}

function metadata(message: OutboundMessage, product: SendApiProduct): { metadata?: string } {
  if (!product.echoesMetadata || message.correlationId === undefined) return {};
  if (charLength(message.correlationId) > METADATA_MAX_CHARS) {
    throw sendFailed(
      `correlationId is longer than ${METADATA_MAX_CHARS} characters (message.metadata limit).`,
    );
  }
  return { metadata: message.correlationId };
}

function messagingType(product: SendApiProduct, options: SendOptions): Record<string, string> {
  if (options.tag) return { messaging_type: "MESSAGE_TAG", tag: options.tag };
  return product.sendsMessagingType ? { messaging_type: "RESPONSE" } : {};
}

/** Sends the bodies in order; the id of the last one is the message's id. */
export async function sendViaSendApi(
  message: OutboundMessage,
  product: SendApiProduct,
  target: { url: string; accessToken: string },
  deps: { fetch: FetchLike },
  options: SendOptions = {},
): Promise<SendResult> {
  const bodies = buildSendBodies(message, product, options);
  let result: SendResult | undefined;
  for (const [i, body] of bodies.entries()) {
    try {
      result = await postOne(body, product, target, deps.fetch);
    } catch (error) {
      // The text already reached the customer: a retry would repeat it, so the media is given up.
      if (i > 0 && error instanceof AppError) {
        throw new AppError(
          "CHANNEL_SEND_FAILED",
          `${error.message} The text was delivered (${result?.providerMessageId}); the attachment was not, and is not retried so the text is not sent twice.`,
          { retry: "never", cause: error, details: { ...error.details, outcome: "partial" } },
        );
      }
      throw error;
    }
  }
  if (!result) throw sendFailed(`Nothing to send to ${product.provider}.`);
  return result;
}

async function postOne(
  body: Record<string, unknown>,
  product: SendApiProduct,
  target: { url: string; accessToken: string },
  fetch: FetchLike,
): Promise<SendResult> {
  // The token goes in the Authorization header, not `?access_token=` as in Meta's curl samples,
  // so it cannot end up in a URL that is logged. Graph accepts both.
  const call: ProviderCall = {
    provider: product.provider,
    fetch,
    url: target.url,
    init: {
      method: "POST",
      headers: { authorization: `Bearer ${target.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    },
    secrets: [target.accessToken],
  };
  const answer = await callProvider(call);
  if (answer.status < 200 || answer.status >= 300) throw sendApiRefusal(call, answer, product.tokenHint);
  const json = answer.json as Record<string, unknown> | undefined;
  const id = json && typeof json.message_id === "string" ? json.message_id : undefined;
  if (!id) throw unreadableAnswer(product.provider, answer, "message_id");
  return { providerMessageId: id };
}

/** `{apiBaseUrl}/{apiVersion}/{id}/messages`. */
export function messagesUrl(apiBaseUrl: string, apiVersion: string, id: string): string {
  return `${apiBaseUrl.replace(/\/+$/, "")}/${apiVersion}/${encodeURIComponent(id)}/messages`;
}
