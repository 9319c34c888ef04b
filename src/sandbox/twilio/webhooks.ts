import { randomBytes } from "node:crypto";
import { readForm } from "../../channels/form-body.js";
import { twilioSignature } from "../../channels/twilio/index.js";

/**
 * Webhook requests as Twilio sends them: form-encoded fields, `X-Twilio-Signature` over the
 * configured URL plus the sorted parameters, and Twilio's own User-Agent.
 * https://www.twilio.com/docs/messaging/guides/webhook-request
 * https://www.twilio.com/docs/usage/security#validating-requests
 */
export function newSid(prefix: "SM" | "MM"): string {
  return `${prefix}${randomBytes(16).toString("hex")}`;
}

/** An incoming SMS (or WhatsApp message when `from` is `whatsapp:+…`). */
export function inboundForm(input: {
  accountSid: string;
  messageSid: string;
  from: string;
  to: string;
  body: string;
  profileName?: string;
}): Record<string, string> {
  const isWhatsApp = input.from.startsWith("whatsapp:");
  return {
    ToCountry: "US",
    SmsMessageSid: input.messageSid,
    NumMedia: "0",
    SmsSid: input.messageSid,
    SmsStatus: "received",
    Body: input.body,
    To: isWhatsApp && !input.to.startsWith("whatsapp:") ? `whatsapp:${input.to}` : input.to,
    NumSegments: "1",
    MessageSid: input.messageSid,
    AccountSid: input.accountSid,
    From: input.from,
    ApiVersion: "2010-04-01",
    ...(isWhatsApp
      ? {
          ProfileName: input.profileName ?? "",
          WaId: input.from.replace(/^whatsapp:\+/, ""),
          MessageType: "text",
        }
      : {}),
  };
}

/** A status callback for a message Tern sent. https://www.twilio.com/docs/messaging/guides/track-outbound-message-status */
export function statusForm(input: {
  accountSid: string;
  messageSid: string;
  from: string;
  to: string;
  status: string;
  errorCode?: string;
}): Record<string, string> {
  return {
    ...(input.errorCode ? { ErrorCode: input.errorCode } : {}),
    SmsSid: input.messageSid,
    SmsStatus: input.status,
    MessageStatus: input.status,
    To: input.to,
    MessageSid: input.messageSid,
    AccountSid: input.accountSid,
    From: input.from,
    ApiVersion: "2010-04-01",
  };
}

/** The signed POST Twilio makes to `url` with these fields. */
export function signedRequest(
  url: string,
  fields: Record<string, string>,
  authToken: string,
): { url: string; headers: Record<string, string>; body: string } {
  const body = new URLSearchParams(fields).toString();
  return {
    url,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "TwilioProxy/1.1",
      "x-twilio-signature": twilioSignature(authToken, url, readForm(body)),
    },
    body,
  };
}

/**
 * The signed GET Twilio makes when the number's webhook method is HTTP GET: the fields appended to
 * the configured URL as its query string, and the signature over that whole URL alone.
 */
export function signedGetRequest(
  url: string,
  fields: Record<string, string>,
  authToken: string,
): { url: string; headers: Record<string, string> } {
  const full = `${url}${url.includes("?") ? "&" : "?"}${new URLSearchParams(fields).toString()}`;
  return {
    url: full,
    headers: {
      "user-agent": "TwilioProxy/1.1",
      "x-twilio-signature": twilioSignature(authToken, full, new Map()),
    },
  };
}
