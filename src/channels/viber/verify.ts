import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import type { WebhookRequest } from "../channel.js";
import { getHeader } from "../whatsapp/verify.js";
import type { ViberConfig } from "./config.js";

/** Lowercase hex HMAC-SHA256 of the raw body, keyed with the bot's auth token. */
export function computeSignature(rawBody: Buffer | string, authToken: string): string {
  return createHmac("sha256", authToken).update(rawBody).digest("hex");
}

/**
 * "Each callback will contain a signature on the JSON passed to the callback. The signature is
 * HMAC with SHA256 that will use the authentication token as the key and the JSON as the value.
 * The result will be passed as HTTP Header X-Viber-Content-Signature"
 * (https://developers.viber.com/docs/api/rest-bot-api/#callbacks; Viber's SDK checks the same,
 * viber-bot-node lib/message/message-validator.js). Viber also puts the value in a `sig` query
 * parameter; the header is preferred, the parameter used when a proxy dropped the header.
 */
export function verify(req: WebhookRequest, config: ViberConfig): void {
  const value = getHeader(req.headers, "x-viber-content-signature") || req.query.sig;
  if (value === undefined || value === "") {
    throw new AppError(
      "CHANNEL_SIGNATURE_INVALID",
      "Missing X-Viber-Content-Signature header: this request did not come from Viber.",
    );
  }
  if (!/^[0-9a-fA-F]{64}$/.test(value.trim())) {
    throw new AppError(
      "CHANNEL_SIGNATURE_INVALID",
      "Malformed X-Viber-Content-Signature: expected 64 hex characters.",
    );
  }
  const received = Buffer.from(value.trim().toLowerCase(), "hex");
  const expected = createHmac("sha256", config.authToken).update(req.rawBody).digest();
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    throw new AppError(
      "CHANNEL_SIGNATURE_INVALID",
      "Viber callback signature does not match. Check that the channel's auth token is the bot's current token (Viber Admin Panel) and that nothing rewrites the body before Tern sees it.",
    );
  }
}
