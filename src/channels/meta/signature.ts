import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import type { WebhookRequest } from "../channel.js";

/**
 * Meta's webhook signature, the same for WhatsApp, Messenger and Instagram:
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the App Secret of
 * the app that receives the webhook (not the verify token: Meta's own Python sample gets that wrong).
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications
 */

/** Header names arrive lowercased from Node, but adapters must not depend on the server doing that. */
export function getHeader(headers: WebhookRequest["headers"], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  // timingSafeEqual throws on different lengths, so compare lengths first (length is not secret).
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `sha256=<hex>` of HMAC-SHA256 over the raw body, keyed with the App Secret. */
export function computeSignature(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

const SIGNATURE_PATTERN = /^sha256=([0-9a-fA-F]{64})$/;

function invalid(message: string): AppError {
  return new AppError("CHANNEL_SIGNATURE_INVALID", message);
}

/**
 * Checks `X-Hub-Signature-256` over the exact bytes received, in constant time.
 * `secretHint` tells a person where the right App Secret is in Meta's console.
 */
export function verifyHubSignature(req: WebhookRequest, appSecret: string, secretHint: string): void {
  const header = getHeader(req.headers, "x-hub-signature-256");
  if (header === undefined || header === "") {
    throw invalid("Missing X-Hub-Signature-256 header: this request did not come from Meta.");
  }
  const match = SIGNATURE_PATTERN.exec(header.trim());
  if (!match?.[1]) {
    throw invalid('Malformed X-Hub-Signature-256 header: expected "sha256=" followed by 64 hex characters.');
  }
  const received = Buffer.from(match[1].toLowerCase(), "hex");
  const expected = createHmac("sha256", appSecret).update(req.rawBody).digest();
  if (!constantTimeEqual(received, expected)) {
    throw invalid(
      `Webhook signature does not match. Check that the channel's App Secret is ${secretHint}, and that nothing rewrites the body before Tern sees it.`,
    );
  }
}
