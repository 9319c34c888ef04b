import { AppError, type RetryHint } from "../../core/app-error.js";
import { redact } from "../provider-http.js";

/**
 * The SMS API answers 200 even for a refused message and puts the reason in each
 * `messages[].status` ("0" = accepted) with `error-text`. Codes and advice: sms.yml `x-errors`,
 * https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms
 * Throttled (1), internal error (5) and too many binds (10) are retried; the rest are final.
 */
const RETRIED = new Set(["1", "5", "10"]);
const THROTTLED_WAIT_MS = 1_000;

const HINTS: Record<string, string> = {
  "1": "throttled: sending faster than the account's limit",
  "2": "a required parameter is missing",
  "3": "a parameter is invalid (check the To number and from)",
  "4": "invalid credentials: check apiKey and apiSecret (Dashboard → API settings)",
  "6": "the platform could not process this message (unrecognized number prefix?)",
  "7": "the recipient's number is barred",
  "8": "the Vonage account is suspended",
  "9": "not enough credit: top up the account",
  "12": "the message is too long",
  "15": "the sender id in from is not allowed for this destination (North America needs a Vonage number)",
  "29": "the account is in demo mode: add the recipient to the whitelisted numbers or top up",
  "33": "the recipient's number is deactivated",
};

export function vonageRefusal(
  status: string,
  errorText: string | undefined,
  secrets: ReadonlyArray<string>,
): AppError {
  // Throttled: the account's rate (30 messages/s by default) was passed this second, so the
  // retry waits a whole second rather than the default back-off's first step.
  const retry: RetryHint =
    status === "1" ? { afterMs: THROTTLED_WAIT_MS } : RETRIED.has(status) ? "default" : "never";
  const detail = [errorText, HINTS[status]].filter(Boolean).join(": ");
  return new AppError(
    "CHANNEL_SEND_FAILED",
    redact(`Vonage refused the message (status ${status}${detail ? `: ${detail}` : ""})`, secrets),
    // Throttled is the account's limit: every send on the channel waits (queue/send-pacer.ts).
    {
      retry,
      details: { httpStatus: 200, providerCode: status, ...(status === "1" && { channelThrottled: true }) },
    },
  );
}
