import { randomBytes, randomUUID } from "node:crypto";
import type { VonageSignatureMethod } from "../../channels/vonage/config.js";
import { vonageSignature } from "../../channels/vonage/index.js";

/**
 * SMS API webhooks as Vonage sends them when signed webhooks are on: the fields of sms.yml
 * (InboundMessage, DeliveryReceipt) plus `timestamp`, `nonce` and `sig`, delivered by the method
 * chosen in the Dashboard — GET (query string), POST (form) or POST-JSON.
 * https://developer.vonage.com/en/getting-started/concepts/signing-messages
 */
export type VonageWebhookMethod = "GET" | "POST" | "POST-JSON";

/** Vonage message ids: 16 upper-case hex digits (sms.yml example "0A0000001234567B"). */
export function newMessageId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

/** "2020-01-01 12:00:00" in UTC, as `message-timestamp`. */
function messageTimestamp(now: Date): string {
  return now.toISOString().slice(0, 19).replace("T", " ");
}

export function inboundParams(input: {
  apiKey: string;
  messageId: string;
  msisdn: string;
  to: string;
  text: string;
  now?: Date;
  /** One part of a long SMS: Vonage's concatenation fields (each part its own messageId). */
  concat?: { ref: string; part: number; total: number };
}): Record<string, string> {
  const isGsm = /^[\x20-\x7e\n\r]*$/.test(input.text);
  const concat = input.concat && {
    concat: "true",
    "concat-ref": input.concat.ref,
    "concat-total": String(input.concat.total),
    "concat-part": String(input.concat.part),
  };
  return {
    ...concat,
    msisdn: input.msisdn,
    to: input.to,
    messageId: input.messageId,
    text: input.text,
    type: isGsm ? "text" : "unicode",
    keyword: (input.text.trim().split(/\s+/)[0] ?? "").toUpperCase(),
    "api-key": input.apiKey,
    "message-timestamp": messageTimestamp(input.now ?? new Date()),
  };
}

export function receiptParams(input: {
  apiKey: string;
  messageId: string;
  msisdn: string;
  to: string;
  status: string;
  errCode?: string;
  clientRef?: string;
  now?: Date;
}): Record<string, string> {
  const now = input.now ?? new Date();
  const scts = messageTimestamp(now).replace(/\D/g, "").slice(2, 12);
  return {
    msisdn: input.msisdn,
    to: input.to,
    "network-code": "23410",
    messageId: input.messageId,
    price: "0.03330000",
    status: input.status,
    scts,
    "err-code": input.errCode ?? (input.status === "delivered" || input.status === "accepted" ? "0" : "1"),
    "api-key": input.apiKey,
    ...(input.clientRef ? { "client-ref": input.clientRef } : {}),
    "message-timestamp": messageTimestamp(now),
  };
}

/** Adds timestamp, nonce and sig, and shapes the request for the webhook method. */
export function signedWebhook(
  url: string,
  params: Record<string, string>,
  secret: string,
  signatureMethod: VonageSignatureMethod,
  method: VonageWebhookMethod = "POST-JSON",
): { method: "GET" | "POST"; url: string; headers: Record<string, string>; body: string } {
  const signed: Record<string, string> = {
    ...params,
    timestamp: String(Math.floor(Date.now() / 1000)),
    nonce: randomUUID(),
  };
  // Vonage sends HMAC signatures in upper-case hex and the MD5 hash in lower case.
  const sig = vonageSignature(signed, secret, signatureMethod);
  signed.sig = signatureMethod === "md5hash" ? sig : sig.toUpperCase();
  if (method === "GET") {
    const separator = url.includes("?") ? "&" : "?";
    return { method: "GET", url: `${url}${separator}${new URLSearchParams(signed)}`, headers: {}, body: "" };
  }
  if (method === "POST") {
    return {
      method: "POST",
      url,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(signed).toString(),
    };
  }
  return {
    method: "POST",
    url,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(signed),
  };
}
