import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../../core/app-error.js";
import type { WebhookRequest } from "../channel.js";
import { type FormParams, formOf } from "../form-body.js";
import { getHeader } from "../whatsapp/verify.js";
import type { TwilioConfig } from "./config.js";

/**
 * Twilio's request signature: base64 HMAC-SHA1 keyed with the Auth Token over the full URL as
 * configured (query string included) followed by every POST parameter sorted by name, each as
 * name + value with no separators; a repeated name contributes each distinct value, sorted (as
 * twilio-node's `getExpectedTwilioSignature` does).
 * https://www.twilio.com/docs/usage/security#validating-requests
 */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  let data = url;
  for (const name of [...params.keys()].sort()) {
    const values = params.get(name) ?? [];
    if (values.length === 1) data += name + values[0];
    else for (const value of [...new Set(values)].sort()) data += name + value;
  }
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

function invalid(message: string): AppError {
  return new AppError("CHANNEL_SIGNATURE_INVALID", message);
}

/** Standard base64 of 20 bytes: 27 characters and one "=". */
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{27}=$/;

/**
 * The URL as Twilio may have signed it: as received, and with the default port added or removed
 * (twilio-node's validateRequest tries both: some proxies add `:443`, some strip it).
 */
export function urlCandidates(url: string): string[] {
  // On the string: WHATWG URL drops a default port, so it cannot tell `:443` was there.
  const match = /^(https?):\/\/([^/?#]+)(.*)$/is.exec(url);
  if (!match) return [url];
  const [, scheme = "", authority = "", rest = ""] = match;
  const defaultPort = scheme.toLowerCase() === "https" ? "443" : "80";
  const port = /:(\d+)$/.exec(authority)?.[1];
  if (port === undefined) return [url, `${scheme}://${authority}:${defaultPort}${rest}`];
  if (port === defaultPort) return [url, `${scheme}://${authority.slice(0, -port.length - 1)}${rest}`];
  return [url];
}

/**
 * The URL Twilio signed: `publicUrl` (the webhook URL as entered in the Console, when Tern sits
 * behind a proxy) or the URL the request reached. By GET, Twilio appends the fields to the
 * configured URL as its query string, which the request carries as received.
 */
function signedUrl(req: WebhookRequest, config: TwilioConfig): string {
  if (config.publicUrl === undefined) return req.url;
  if (req.method !== "GET") return config.publicUrl;
  const query = queryOf(req.url);
  return query === "" ? config.publicUrl : `${config.publicUrl.split("?", 1)[0]}?${query}`;
}

/** The raw query string of a URL (after "?", before "#"), "" when it has none. */
export function queryOf(url: string): string {
  const at = url.indexOf("?");
  return at < 0 ? "" : (url.slice(at + 1).split("#", 1)[0] ?? "");
}

/**
 * Checks X-Twilio-Signature over `publicUrl` (when Tern is behind a proxy) or the URL the request
 * reached, plus the form parameters of the body. Status callbacks are signed the same way.
 */
export function verify(req: WebhookRequest, config: TwilioConfig): void {
  const header = getHeader(req.headers, "x-twilio-signature")?.trim();
  if (header === undefined || header === "") {
    throw invalid("Missing X-Twilio-Signature header: this request did not come from Twilio.");
  }
  if (!SIGNATURE_PATTERN.test(header)) {
    throw invalid("Malformed X-Twilio-Signature header: expected the base64 of a 20-byte HMAC-SHA1.");
  }
  const received = Buffer.from(header, "base64");
  // A GET delivery's fields are in the signed URL's query string; only a POST's body is appended.
  const params = req.method === "GET" ? new Map() : formOf(req.rawBody);
  const urls = urlCandidates(signedUrl(req, config));
  const matches = urls.some((url) => {
    const expected = Buffer.from(twilioSignature(config.authToken, url, params), "base64");
    return expected.length === received.length && timingSafeEqual(expected, received);
  });
  if (!matches) {
    throw invalid(
      "Webhook signature does not match. Check that authToken is the Auth Token of the account that owns this number, and, when Tern sits behind a proxy, set publicUrl to the webhook URL exactly as entered in the Twilio Console.",
    );
  }
}
