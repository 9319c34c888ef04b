import { AppError, type RetryHint } from "../../core/app-error.js";
import { redact } from "../provider-http.js";

interface Advice {
  message: string;
  retry: RetryHint;
}

/**
 * Viber answers HTTP 200 with a non-zero `status` for every refusal. What each means and what to
 * do: https://github.com/Viber/creators-hub docs/bots-api/errors.md. Every numbered code there is a
 * refusal that a repeat cannot change (12, "too many requests", excepted); only an unlisted code,
 * the doc's "General error", is tried again.
 */
export function adviceFor(status: number): Advice {
  switch (status) {
    case 1:
      return {
        message: "Viber says the webhook URL is invalid or did not answer its callback check with 200.",
        retry: "never",
      };
    case 2:
      return {
        message: "The Viber auth token is invalid: copy it again from the Viber Admin Panel.",
        retry: "never",
      };
    case 3:
    case 4:
      return { message: "Viber rejected the request as malformed or incomplete.", retry: "never" };
    case 5:
      return { message: "The receiver is not a Viber user.", retry: "never" };
    case 6:
      return {
        message:
          "The customer is not subscribed to the bot (they never wrote to it, or unsubscribed); Viber only delivers to subscribers.",
        retry: "never",
      };
    case 7:
    case 9:
      return {
        message: "The bot account is blocked or suspended by Viber; contact Viber support.",
        retry: "never",
      };
    case 8:
      return { message: "No bot account matches the auth token.", retry: "never" };
    case 10:
      return {
        message: "No webhook is set for the bot: run the channel setup (POST /api/v1/channels/:id/setup).",
        retry: "never",
      };
    case 11:
    case 13:
      return { message: "The customer's Viber app is too old for this message.", retry: "never" };
    case 12:
      // 100 messages an hour to a user who has not replied (send-message.md).
      return {
        message: "Viber rate limit reached (too many messages to this customer without a reply).",
        retry: { afterMs: 60_000 },
      };
    case 14:
      return {
        message: "The message uses a feature its min_api_version does not declare.",
        retry: "never",
      };
    case 15:
      return { message: "The bot has not been authorized by Viber to send messages.", retry: "never" };
    case 16:
    case 17:
    case 20:
    case 22:
      // Inline messages, broadcasts, payments: refused for this bot whatever is retried.
      return { message: "Viber does not allow this kind of message for the bot.", retry: "never" };
    case 21:
      return { message: "Viber does not deliver this message to the customer's country.", retry: "never" };
    case 23:
    case 24:
      return {
        message:
          "The bot has used its free out-of-session messages for the month and has no balance; top up in the Viber Admin Panel.",
        retry: "never",
      };
    default:
      // "General error" (any other code, errors.md): unknown, so tried again.
      return { message: "Viber reported an error.", retry: "default" };
  }
}

const UNREACHABLE = new Set([5, 6]);

export function viberRefusal(
  status: number,
  statusMessage: string | undefined,
  secrets: ReadonlyArray<string>,
): AppError {
  const advice = adviceFor(status);
  const message = redact(
    `${advice.message} (Viber status ${status}${statusMessage ? `: ${statusMessage}` : ""})`,
    secrets,
  );
  return new AppError("CHANNEL_SEND_FAILED", message, {
    retry: advice.retry,
    // Not a Viber user, or not subscribed to the bot: Viber cannot reach the person, a fallback may.
    details: { viberStatus: status, ...(UNREACHABLE.has(status) && { undeliverable: true }) },
  });
}
