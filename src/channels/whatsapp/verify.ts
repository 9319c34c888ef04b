import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import type { HandshakeResult, WebhookRequest } from "../channel.js";
import type { WhatsAppConfig } from "./config.js";

/** Header names arrive lowercased from Node, but adapters must not depend on the server doing that. */
export function getHeader(headers: WebhookRequest["headers"], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  // timingSafeEqual throws on different lengths, so compare lengths first (length is not secret).
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Meta's subscription handshake: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
 * Answer 200 with the challenge as the plain body when the token matches.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
 *
 * Returns null for anything that is not a handshake (the server answers 400).
 * Throws CHANNEL_VERIFY_TOKEN_INVALID (403) when it is a handshake with the wrong token.
 */
export function handshake(req: WebhookRequest, config: WhatsAppConfig): HandshakeResult | null {
  if (req.method !== "GET") return null;
  const mode = req.query["hub.mode"];
  const token = req.query["hub.verify_token"];
  const challenge = req.query["hub.challenge"];
  if (mode !== "subscribe" || token === undefined || challenge === undefined) return null;
  if (!constantTimeEqual(Buffer.from(token, "utf8"), Buffer.from(config.verifyToken, "utf8"))) {
    throw new AppError(
      "CHANNEL_VERIFY_TOKEN_INVALID",
      "The verify token Meta sent does not match this channel's verify token. Enter the same value in Meta's console (WhatsApp → Configuration → Webhook → Verify token) and in the channel settings.",
    );
  }
  return { status: 200, body: challenge };
}

/** `sha256=<hex>` of HMAC-SHA256 over the raw body, keyed with the Meta App Secret. */
export function computeSignature(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

const SIGNATURE_PATTERN = /^sha256=([0-9a-fA-F]{64})$/;

function invalid(message: string): AppError {
  return new AppError("CHANNEL_SIGNATURE_INVALID", message);
}

/**
 * Checks `X-Hub-Signature-256` over the exact bytes received. The key is the App Secret, not the
 * verify token (Meta's own Python sample gets this wrong).
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications
 */
export function verify(req: WebhookRequest, config: WhatsAppConfig): void {
  const header = getHeader(req.headers, "x-hub-signature-256");
  if (header === undefined || header === "") {
    throw invalid("Missing X-Hub-Signature-256 header: this request did not come from Meta.");
  }
  const match = SIGNATURE_PATTERN.exec(header.trim());
  if (!match?.[1]) {
    throw invalid('Malformed X-Hub-Signature-256 header: expected "sha256=" followed by 64 hex characters.');
  }
  const received = Buffer.from(match[1].toLowerCase(), "hex");
  const expected = createHmac("sha256", config.appSecret).update(req.rawBody).digest();
  if (!constantTimeEqual(received, expected)) {
    throw invalid(
      "Webhook signature does not match. Check that the channel's App Secret is the one under App settings → Basic of the Meta app that sends these webhooks, and that nothing rewrites the body before Tern sees it.",
    );
  }
}
