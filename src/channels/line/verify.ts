import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import type { WebhookRequest } from "../channel.js";
import { getHeader } from "../whatsapp/verify.js";
import type { LineConfig } from "./config.js";

/** Base64 HMAC-SHA256 of the raw body keyed with the channel secret, as LINE signs a webhook. */
export function computeLineSignature(rawBody: Buffer | string, channelSecret: string): string {
  return createHmac("sha256", channelSecret).update(rawBody).digest("base64");
}

function invalid(message: string): AppError {
  return new AppError("CHANNEL_SIGNATURE_INVALID", message);
}

/** Standard base64 of 32 bytes: 43 characters and one "=". */
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Checks `x-line-signature` over the exact bytes received. Every delivery is signed, also the
 * console's "Verify" request with `"events":[]`.
 * https://developers.line.biz/en/reference/messaging-api/#signature-validation
 */
export function verify(req: WebhookRequest, config: LineConfig): void {
  const header = getHeader(req.headers, "x-line-signature")?.trim();
  if (header === undefined || header === "") {
    throw invalid("Missing x-line-signature header: this request did not come from LINE.");
  }
  if (!SIGNATURE_PATTERN.test(header)) {
    throw invalid("Malformed x-line-signature header: expected the base64 of a 32-byte HMAC-SHA256.");
  }
  const received = Buffer.from(header, "base64");
  const expected = createHmac("sha256", config.channelSecret).update(req.rawBody).digest();
  // Both are 32 bytes here (the pattern fixes the length); timingSafeEqual needs equal lengths.
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    throw invalid(
      "Webhook signature does not match. Check that the channel's channelSecret is the Channel secret under Basic settings of the LINE channel that sends these webhooks, and that nothing rewrites the body before Tern sees it.",
    );
  }
}
