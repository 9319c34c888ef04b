import type { HandshakeResult, WebhookRequest } from "../channel.js";
import { hubHandshake } from "../meta/handshake.js";
import { verifyHubSignature } from "../meta/signature.js";
import type { WhatsAppConfig } from "./config.js";

/** WhatsApp uses Meta's shared webhook handshake and signature (src/channels/meta/). */
export { computeSignature, getHeader } from "../meta/signature.js";

export function handshake(req: WebhookRequest, config: WhatsAppConfig): HandshakeResult | null {
  return hubHandshake(req, config.verifyToken, "WhatsApp → Configuration → Webhook → Verify token");
}

export function verify(req: WebhookRequest, config: WhatsAppConfig): void {
  verifyHubSignature(
    req,
    config.appSecret,
    "the one under App settings → Basic of the Meta app that sends these webhooks",
  );
}
