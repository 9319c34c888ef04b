import type { WebhookRequest } from "../channel.js";
import { firstValues, readForm } from "../form-body.js";
import { getHeader } from "../whatsapp/verify.js";

/**
 * The parameters of a Vonage SMS API webhook, whichever method the Dashboard is set to: GET
 * (query string), POST (form) or POST-JSON (a flat JSON object of strings).
 * https://developer.vonage.com/en/getting-started/concepts/webhooks#setting-the-http-method
 * Returns null when a POST body is neither (not JSON object, not a form).
 */
export function webhookParams(req: WebhookRequest): Record<string, string> | null {
  if (req.method === "GET") {
    return Object.fromEntries(
      Object.entries(req.query).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]])),
    );
  }
  const text = req.rawBody.toString("utf8");
  const contentType = getHeader(req.headers, "content-type") ?? "";
  const looksJson = /json/i.test(contentType) || text.trimStart().startsWith("{");
  if (!looksJson) return text.trim() === "" ? null : firstValues(readForm(text));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return null;
  // Vonage sends strings; a number or boolean is read as its text, anything nested is ignored.
  return Object.fromEntries(
    Object.entries(json).flatMap(([k, v]) =>
      typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? [[k, String(v)]] : [],
    ),
  );
}
