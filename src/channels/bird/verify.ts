import { createHash, createHmac } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import type { WebhookRequest } from "../channel.js";
import { constantTimeEqual, getHeader } from "../meta/signature.js";
import type { BirdConfig } from "./config.js";
import { checkMessageBirdJwt } from "./jwt.js";

/**
 * Bird's webhook signature: base64(HMAC-SHA256(signingKey, timestamp + "\n" + URL + "\n" +
 * sha256(body) as raw bytes)), in `messagebird-signature`, with the timestamp in
 * `messagebird-request-timestamp`.
 * https://docs.bird.com/api/notifications-api/api-reference/webhook-subscriptions/verifying-a-webhook-subscription
 */
export function computeBirdSignature(input: {
  signingKey: string;
  timestamp: string;
  url: string;
  body: Buffer | string;
}): string {
  const bodyHash = createHash("sha256").update(input.body).digest();
  const signed = Buffer.concat([Buffer.from(`${input.timestamp}\n${input.url}\n`, "utf8"), bodyHash]);
  return createHmac("sha256", input.signingKey).update(signed).digest("base64");
}

function invalid(message: string): AppError {
  return new AppError("CHANNEL_SIGNATURE_INVALID", message);
}

const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;
const KEY_HINT =
  "Check that signingKey is the signing key of the Bird webhook subscription that posts here, and that the webhook URL in Bird is exactly Tern's (scheme, host, path and query: TERN_PUBLIC_URL when Tern sits behind a proxy).";

/**
 * Accepts Bird's HMAC signature, or the legacy MessageBird JWT (`MessageBird-Signature-JWT`)
 * when no HMAC header is present. Bird's docs set no age limit on the timestamp (and Bird retries
 * a delivery for hours), so none is enforced: a replay is harmless, the inbox dedupes it by the
 * message id. The JWT carries its own `exp`, which is checked. Pure but for the clock.
 */
export function verify(req: WebhookRequest, config: BirdConfig, now: () => number = Date.now): void {
  const signature = getHeader(req.headers, "messagebird-signature")?.trim();
  if (signature !== undefined && signature !== "") {
    const timestamp = getHeader(req.headers, "messagebird-request-timestamp")?.trim() ?? "";
    if (!/^\d{1,13}$/.test(timestamp)) {
      throw invalid("Missing or malformed messagebird-request-timestamp header.");
    }
    if (!BASE64_32.test(signature)) {
      throw invalid("Malformed messagebird-signature header: expected the base64 of a 32-byte HMAC-SHA256.");
    }
    const expected = computeBirdSignature({
      signingKey: config.signingKey,
      timestamp,
      url: req.url,
      body: req.rawBody,
    });
    if (!constantTimeEqual(Buffer.from(signature, "base64"), Buffer.from(expected, "base64"))) {
      throw invalid(`Webhook signature does not match. ${KEY_HINT}`);
    }
    return;
  }
  const jwt = getHeader(req.headers, "messagebird-signature-jwt")?.trim();
  if (jwt !== undefined && jwt !== "") {
    const reason = checkMessageBirdJwt({
      token: jwt,
      signingKey: config.signingKey,
      url: req.url,
      body: req.rawBody,
      nowSeconds: Math.floor(now() / 1000),
    });
    if (reason !== null) throw invalid(`MessageBird-Signature-JWT refused: ${reason}. ${KEY_HINT}`);
    return;
  }
  throw invalid(
    "Missing messagebird-signature (or MessageBird-Signature-JWT) header: this request did not come from Bird, or the webhook subscription has no signingKey.",
  );
}
