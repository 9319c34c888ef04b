import { randomBytes } from "node:crypto";
import { computeSignature } from "../../channels/meta/signature.js";
import type { MetaMessagingProduct } from "./product.js";

/**
 * The customer's side of Messenger / Instagram: webhook bodies in the Messenger Platform
 * envelope, signed as Meta signs them (X-Hub-Signature-256 with the app secret).
 * https://developers.facebook.com/docs/messenger-platform/webhooks#event-notifications
 * https://developers.facebook.com/docs/instagram-platform/webhooks/examples
 */

export function newMid(product: MetaMessagingProduct): string {
  return `${product.midPrefix}${randomBytes(24).toString("base64url")}`;
}

export type MessagingEvent = Record<string, unknown>;

/** `{object, entry:[{id, time, messaging:[…]}]}` for one account. */
export function envelope(product: MetaMessagingProduct, accountId: string, ...messaging: MessagingEvent[]) {
  return { object: product.object, entry: [{ id: accountId, time: Date.now(), messaging }] };
}

interface From {
  /** PSID / IGSID of the customer. */
  from: string;
  accountId: string;
  timestamp?: number;
}

const party = (o: From) => ({
  sender: { id: o.from },
  recipient: { id: o.accountId },
  timestamp: o.timestamp ?? Date.now(),
});

export function textEvent(o: From & { mid: string; text: string }): MessagingEvent {
  return { ...party(o), message: { mid: o.mid, text: o.text } };
}

/** A quick-reply tap: the title as text, the payload we set beside it. */
export function quickReplyEvent(o: From & { mid: string; payload: string; title: string }): MessagingEvent {
  return { ...party(o), message: { mid: o.mid, text: o.title, quick_reply: { payload: o.payload } } };
}

export function postbackEvent(o: From & { mid: string; payload: string; title: string }): MessagingEvent {
  return { ...party(o), postback: { mid: o.mid, title: o.title, payload: o.payload } };
}

export function attachmentEvent(o: From & { mid: string; type: string; url: string }): MessagingEvent {
  return { ...party(o), message: { mid: o.mid, attachments: [{ type: o.type, payload: { url: o.url } }] } };
}

/** The account's own message echoed back (sender and recipient swapped, `is_echo`). */
export function echoEvent(o: From & { mid: string; text: string; appId?: number }): MessagingEvent {
  return {
    sender: { id: o.accountId },
    recipient: { id: o.from },
    timestamp: o.timestamp ?? Date.now(),
    message: { mid: o.mid, text: o.text, is_echo: true, app_id: o.appId ?? 1517776481860111 },
  };
}

/**
 * Messenger `message_deliveries`, as Meta documents the item: sender, recipient and delivery, no
 * timestamp. https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries
 */
export function deliveryEvent(o: From & { mids?: string[]; watermark?: number }): MessagingEvent {
  const { sender, recipient } = party(o);
  const watermark = o.watermark ?? Date.now();
  // "mids: … Field may not be present": then the watermark alone says what was delivered.
  return { sender, recipient, delivery: o.mids ? { mids: o.mids, watermark } : { watermark } };
}

/** The signed request Meta would POST: exact body bytes and their signature. */
export function signedWebhook(
  body: unknown,
  appSecret: string,
): { headers: Record<string, string>; body: string } {
  const raw = JSON.stringify(body);
  return {
    headers: {
      "content-type": "application/json",
      "user-agent": "facebookexternalua",
      "x-hub-signature-256": computeSignature(raw, appSecret),
    },
    body: raw,
  };
}

/**
 * The `message_echoes` event Meta posts for a message the account sent through the Send API:
 * sender and recipient swapped, `is_echo`, the app id, and the `metadata` the send carried.
 * https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-echoes
 */
export function sentMessageEcho(o: {
  accountId: string;
  to: string;
  mid: string;
  sendBody: Record<string, unknown>;
}): MessagingEvent {
  const message = (o.sendBody.message ?? {}) as Record<string, unknown>;
  const attachment = message.attachment as Record<string, unknown> | undefined;
  return {
    sender: { id: o.accountId },
    recipient: { id: o.to },
    timestamp: Date.now(),
    message: {
      mid: o.mid,
      is_echo: true,
      app_id: 1517776481860111,
      ...(typeof message.metadata === "string" ? { metadata: message.metadata } : {}),
      ...(typeof message.text === "string" ? { text: message.text } : {}),
      ...(attachment ? { attachments: [attachment] } : {}),
    },
  };
}

/** POSTs until answered 200, with growing pauses (Meta retries for hours; scaled down), or until `stop()`. */
export async function postUntilAccepted(
  url: string,
  request: { headers: Record<string, string>; body: string },
  stop: () => boolean,
): Promise<void> {
  for (let attempt = 0, pauseMs = 50; attempt < 20 && !stop(); attempt++) {
    try {
      const response = await fetch(url, { method: "POST", headers: request.headers, body: request.body });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Tern not reachable yet: try again.
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(pauseMs * 2, 1_000);
  }
}
