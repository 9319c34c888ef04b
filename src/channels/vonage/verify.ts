import { AppError } from "../../core/app-error.js";
import type { HandshakeResult, WebhookRequest } from "../channel.js";
import { getHeader } from "../whatsapp/verify.js";
import type { VonageConfig } from "./config.js";
import { webhookParams } from "./params.js";
import { signatureMatches } from "./signature.js";

function invalid(message: string): AppError {
  return new AppError("CHANNEL_SIGNATURE_INVALID", message);
}

/**
 * Checks the `sig` parameter of an SMS API webhook (inbound message or delivery receipt). Signed
 * webhooks must be enabled for the account (Vonage support switches them on): Tern refuses
 * unsigned requests, since anyone could post them. Replays are harmless: `messageId` dedupes.
 */
export function verify(req: WebhookRequest, config: VonageConfig): void {
  const params = webhookParams(req);
  const sig = params?.sig;
  if (!params || sig === undefined || sig === "") {
    // A Messages API webhook (the default for new Vonage accounts) is signed with a JWT in
    // Authorization and carries `message_uuid`: this channel type speaks the SMS API.
    if (
      /^bearer\s/i.test(getHeader(req.headers, "authorization") ?? "") ||
      params?.message_uuid !== undefined
    ) {
      throw invalid(
        "This is a Vonage Messages API webhook; the vonage channel speaks the SMS API. In the Dashboard (API settings → SMS settings) choose the SMS API for inbound SMS, then point the number's inbound webhook at this URL.",
      );
    }
    throw invalid(
      "Missing sig parameter: this request is not a signed Vonage webhook. Ask Vonage support to enable signed webhooks for the account.",
    );
  }
  if (!signatureMatches(params, sig, config.signatureSecret, config.signatureMethod)) {
    throw invalid(
      "Webhook signature does not match. Check signatureSecret (Dashboard → API settings) and that signatureMethod matches the signature method chosen there.",
    );
  }
}

/**
 * Vonage checks a webhook URL before it saves it on a number: "Vonage makes a GET request to the
 * endpoint and checks that it returns a 200 OK response"
 * (https://developer.vonage.com/en/numbers/code-snippets/update). Such a probe carries no message:
 * answered 200 with nothing stored. A GET that carries one (`messageId`: the Dashboard's GET method)
 * is a delivery, verified and parsed like a POST.
 */
export function handshake(req: WebhookRequest): HandshakeResult | null {
  if (req.method !== "GET" || req.query.messageId !== undefined) return null;
  return { status: 200, body: "" };
}
