import { AppError } from "../../core/app-error.js";
import type { HandshakeResult, WebhookRequest } from "../channel.js";
import { constantTimeEqual } from "./signature.js";

/**
 * Meta's subscription handshake, the same for WhatsApp, Messenger and Instagram:
 * `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`, answered 200 with the challenge
 * as the plain body when the token matches.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
 *
 * Returns null for anything that is not a handshake (the server answers 400). Throws
 * CHANNEL_VERIFY_TOKEN_INVALID (403) for a handshake with the wrong token; `consoleField` says
 * where the token is entered in Meta's console.
 */
export function hubHandshake(
  req: WebhookRequest,
  verifyToken: string,
  consoleField: string,
): HandshakeResult | null {
  if (req.method !== "GET") return null;
  const mode = req.query["hub.mode"];
  const token = req.query["hub.verify_token"];
  const challenge = req.query["hub.challenge"];
  if (mode !== "subscribe" || token === undefined || challenge === undefined) return null;
  if (!constantTimeEqual(Buffer.from(token, "utf8"), Buffer.from(verifyToken, "utf8"))) {
    throw new AppError(
      "CHANNEL_VERIFY_TOKEN_INVALID",
      `The verify token Meta sent does not match this channel's verify token. Enter the same value in Meta's console (${consoleField}) and in the channel settings.`,
    );
  }
  return { status: 200, body: challenge };
}
