import { createHmac } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import { tolerantParse } from "../../core/tolerant-parse.js";
import type { WebhookRequest } from "../channel.js";
import { constantTimeEqual, getHeader } from "../meta/signature.js";
import type { RcsConfig } from "./config.js";
import { RcsEnvelope, RcsWebhookCheck } from "./schema.js";

/** base64(HMAC-SHA512(clientToken, the base64-decoded `message.data`)): Google's `X-Goog-Signature`. */
export function computeRcsSignature(data: Buffer, clientToken: string): string {
  return createHmac("sha512", clientToken).update(data).digest("base64");
}

function invalid(message: string): AppError {
  return new AppError("CHANNEL_SIGNATURE_INVALID", message);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Standard base64 of 64 bytes: 86 characters and "==". */
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{86}==$/;

/** The decoded `message.data` of an event body, or null when the body is no such envelope. */
export function decodedData(rawBody: Buffer): Buffer | null {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return null;
  }
  const envelope = tolerantParse(RcsEnvelope, json);
  if (!envelope.success || !BASE64.test(envelope.data.message.data)) return null;
  return Buffer.from(envelope.data.message.data, "base64");
}

/** The webhook's setup check `{clientToken, secret}`, when the body is one. */
export function webhookCheck(rawBody: Buffer): { clientToken: string; secret: string } | null {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return null;
  }
  if (json && typeof json === "object" && "message" in json) return null;
  const check = tolerantParse(RcsWebhookCheck, json);
  return check.success ? check.data : null;
}

/**
 * An event is authentic when `X-Goog-Signature` is the HMAC-SHA512 of its decoded `data` keyed
 * with the webhook's client token; the setup check is authentic when it carries that client token.
 * Google signs only `data`: everything Tern reads comes from it (the envelope's Pub/Sub ids and
 * times are not used).
 * https://developers.google.com/business-communications/rcs-business-messaging/guides/integrate/webhooks#verify_incoming_messages
 */
export function verify(req: WebhookRequest, config: RcsConfig): void {
  const check = webhookCheck(req.rawBody);
  if (check) {
    const given = Buffer.from(check.clientToken, "utf8");
    if (!constantTimeEqual(given, Buffer.from(config.clientToken, "utf8"))) {
      throw invalid(
        "Webhook setup check with a clientToken that is not this channel's: set clientToken to the Client token shown in the agent's webhook configuration.",
      );
    }
    return;
  }
  const header = getHeader(req.headers, "x-goog-signature")?.trim();
  if (header === undefined || header === "") {
    throw invalid("Missing X-Goog-Signature header: this request did not come from RCS Business Messaging.");
  }
  if (!SIGNATURE_PATTERN.test(header)) {
    throw invalid("Malformed X-Goog-Signature header: expected the base64 of a 64-byte HMAC-SHA512.");
  }
  const data = decodedData(req.rawBody);
  if (data === null) {
    throw invalid('Signed body is not an RBM event ({"message":{"data":"<base64>"}}): nothing to verify.');
  }
  const expected = Buffer.from(computeRcsSignature(data, config.clientToken), "base64");
  if (!constantTimeEqual(Buffer.from(header, "base64"), expected)) {
    throw invalid(
      "Webhook signature does not match. Check that clientToken is the Client token of this agent's (or the partner's) webhook.",
    );
  }
}
