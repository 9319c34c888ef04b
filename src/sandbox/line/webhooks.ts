import { createHash, randomBytes } from "node:crypto";
import { LINE_ID_PATTERN } from "../../channels/line/limits.js";
import { computeLineSignature } from "../../channels/line/verify.js";

/**
 * Webhook bodies as LINE posts them, and their signature.
 * https://developers.line.biz/en/reference/messaging-api/#webhook-event-objects (message event,
 * postback event, source, deliveryContext); line/line-openapi webhook.yml.
 */
export const DEFAULT_DESTINATION = `U${"d".repeat(32)}`;

/** LINE's webhookEventId is a ULID: 26 Crockford base32 characters. */
export function newWebhookEventId(): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const bytes = randomBytes(26);
  return [...bytes].map((b) => alphabet[b % 32]).join("");
}

/** A customer id the Messaging API accepts: a LINE id as is, anything else mapped to a stable U-id. */
export function lineUserId(from: string): string {
  return LINE_ID_PATTERN.test(from)
    ? from
    : `U${createHash("sha256").update(from).digest("hex").slice(0, 32)}`;
}

export interface LineEventOptions {
  userId: string;
  webhookEventId: string;
  isRedelivery?: boolean;
  timestamp?: number;
  /** The event's reply token (the simulator's `issueReplyToken`); a random one LINE would refuse if absent. */
  replyToken?: string;
}

function eventBase(options: LineEventOptions, type: string) {
  return {
    type,
    mode: "active",
    timestamp: options.timestamp ?? Date.now(),
    source: { type: "user", userId: options.userId },
    webhookEventId: options.webhookEventId,
    deliveryContext: { isRedelivery: options.isRedelivery ?? false },
    replyToken: options.replyToken ?? randomBytes(16).toString("hex"),
  };
}

export function textEvent(options: LineEventOptions & { text: string }) {
  return {
    ...eventBase(options, "message"),
    message: {
      type: "text",
      id: String(BigInt(`0x${randomBytes(7).toString("hex")}`)),
      quoteToken: randomBytes(24).toString("base64url"),
      text: options.text,
    },
  };
}

export function postbackEvent(options: LineEventOptions & { data: string }) {
  return { ...eventBase(options, "postback"), postback: { data: options.data } };
}

export function callbackBody(events: unknown[], destination = DEFAULT_DESTINATION): string {
  return JSON.stringify({ destination, events });
}

export function signLineBody(body: string, channelSecret: string): Record<string, string> {
  return {
    "content-type": "application/json; charset=utf-8",
    "x-line-signature": computeLineSignature(body, channelSecret),
  };
}
