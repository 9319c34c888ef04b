import type { AppError, RetryHint } from "../../core/app-error.js";
import { type ProviderAnswer, providerRefusal } from "../provider-http.js";

/**
 * Twilio's REST error body `{code, message, more_info, status}` as CHANNEL_SEND_FAILED, with the
 * code in `details.providerCode` so a fallback can tell why. 429 / 20429 are retried (after
 * Retry-After when given); 5xx are retried; other 4xx are final.
 * https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions and
 * https://www.twilio.com/docs/api/errors
 */
export function twilioRefusal(answer: ProviderAnswer, secrets: ReadonlyArray<string>): AppError {
  const body = readError(answer.json);
  const hint = body?.code === undefined ? undefined : HINTS[body.code];
  const detail =
    [body?.code !== undefined ? `error ${body.code}` : undefined, body?.message, hint]
      .filter(Boolean)
      .join(": ") || undefined;
  // 20429 "Too Many Requests" is a rate limit: retried even if it came with another status than 429.
  const isRateLimit = body?.code === 20429 && answer.status !== 429 && answer.status < 500;
  return providerRefusal({ provider: "Twilio", secrets }, answer, detail, {
    ...(isRateLimit ? { retry: "default" as RetryHint } : {}),
    details:
      body?.code !== undefined
        ? { providerCode: body.code, ...(UNDELIVERABLE.has(body.code) && { undeliverable: true }) }
        : {},
  });
}

function readError(json: unknown): { code?: number; message?: string } | undefined {
  if (!json || typeof json !== "object") return undefined;
  const record = json as Record<string, unknown>;
  const code = typeof record.code === "number" ? record.code : Number(record.code);
  return {
    ...(Number.isInteger(code) ? { code } : {}),
    ...(typeof record.message === "string" ? { message: record.message } : {}),
  };
}

/**
 * Codes that mean "not reachable through this sender now": a send step's fallback channel may be
 * (WhatsApp through Twilio outside its window; not a mobile number for SMS).
 */
const UNDELIVERABLE = new Set([63016, 21614]);

/** What to do next for the codes a lead flow meets most. */
const HINTS: Record<number, string> = {
  20003: "authentication failed: check accountSid and authToken (Console → Account info)",
  21211: "the To number is not a valid phone number",
  21408: "the account may not send to this region: enable it under Messaging → Settings → Geo permissions",
  21606: "the From number cannot send SMS: pick a number with SMS capability",
  21610: "the recipient replied STOP and is unsubscribed; they must reply START before you can write again",
  21614: "the To number is not a mobile number",
  63016: "outside the WhatsApp 24-hour window: only an approved template (ContentSid) can be sent",
};
