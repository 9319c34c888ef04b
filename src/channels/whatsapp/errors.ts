import { AppError, type RetryHint } from "../../core/app-error.js";
import { fetchFailureReason, requestOutcome } from "../../core/fetch.js";
import { redactSecrets } from "../../core/secret-forms.js";
import type { GraphError as MetaGraphError } from "../meta/send-errors.js";

/** Graph's error envelope (../meta/send-errors.ts) with WhatsApp's `error_data`. */
export interface GraphError extends MetaGraphError {
  error_data?: { messaging_product?: string; details?: string };
}

interface Advice {
  message: string;
  retry: RetryHint;
  /** WhatsApp cannot reach this person now: a send step's fallback channel may (queue/fallback.ts). */
  undeliverable?: boolean;
  /** A limit of the whole number or account, not of one customer: every send on the channel waits. */
  throttlesChannel?: boolean;
}

/**
 * What to do about the WhatsApp error codes a flow can hit.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 */
function adviceFor(code: number | undefined, httpStatus: number): Advice | undefined {
  switch (code) {
    case 190:
      return {
        message:
          "The WhatsApp access token is invalid or expired. Create a new system-user token with the whatsapp_business_messaging permission (Business settings → System users) and update the channel.",
        retry: "never",
      };
    // Code 3 ("API Method: capability or permissions issue") comes with HTTP 500, but repeating
    // the call cannot grant a permission: final, like 10 and 200-299.
    // https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes (Authorization errors)
    case 3:
    case 10:
    case 200:
      return {
        message:
          "The access token lacks permission for this phone number. Give the system user the whatsapp_business_messaging permission and assign it the WhatsApp account.",
        retry: "never",
      };
    case 131047:
      return {
        message:
          "More than 24 hours have passed since the customer's last message, so WhatsApp only allows approved template messages. Wait for the customer to write again or send a template.",
        retry: "never",
        undeliverable: true,
      };
    case 130429:
      return {
        message: "WhatsApp throughput limit reached for this phone number.",
        retry: { afterMs: 1_000 },
        throttlesChannel: true,
      };
    case 131056:
      return {
        message: "Too many messages to the same customer in a short time (WhatsApp pair rate limit).",
        retry: { afterMs: 6_000 },
      };
    case 80007:
    case 4:
      return {
        message: "WhatsApp API rate limit reached for this account.",
        retry: { afterMs: 60_000 },
        throttlesChannel: true,
      };
    case 131026:
      return {
        message:
          "WhatsApp could not deliver to this customer: the number may not be on WhatsApp, may not have accepted the latest terms, or uses an outdated app.",
        retry: "never",
        undeliverable: true,
      };
    case 131049:
      return {
        message:
          "WhatsApp chose not to deliver this message (to keep engagement with the business healthy); it may be sent again later or through another channel.",
        retry: "never",
        undeliverable: true,
      };
    case 131030:
      return {
        message:
          "The recipient is not in the test number's allowed list. Add it under WhatsApp → API Setup, or use a production phone number.",
        retry: "never",
      };
    case 131062:
      return {
        message:
          "This message type cannot be sent to a business-scoped user id; it needs the customer's phone number.",
        retry: "never",
      };
    case 133010:
      return {
        message:
          "The business phone number is not registered with the Cloud API. Register it in Meta's console.",
        retry: "never",
      };
    case 368:
      return {
        message:
          "The WhatsApp account is temporarily blocked for policy violations. Check the account in Meta's console.",
        retry: "never",
      };
    case 100:
      return {
        message:
          "WhatsApp rejected a parameter of the message. Check the channel configuration and the message content.",
        retry: "never",
      };
    case 1:
    case 2:
    case 131000:
    case 131016:
      return { message: "WhatsApp is temporarily unavailable.", retry: "default" };
    default:
      return httpStatus === 429
        ? { message: "WhatsApp rate limit reached.", retry: { afterMs: 60_000 } }
        : undefined;
  }
}

function redact(text: string, secret: string): string {
  return redactSecrets(text, [secret]);
}

/** Maps a non-2xx answer from Graph to CHANNEL_SEND_FAILED with a message and a retry hint. */
export function graphErrorToAppError(
  httpStatus: number,
  error: GraphError | undefined,
  accessToken: string,
  retryAfterMs?: number,
): AppError {
  const advice = adviceFor(error?.code, httpStatus) ?? {
    message: httpStatus >= 500 ? "WhatsApp answered with a server error." : "WhatsApp rejected the message.",
    retry: httpStatus >= 500 ? "default" : "never",
  };
  const graphText = [error?.message, error?.error_data?.details].filter(Boolean).join(" ");
  const codeText = error?.code === undefined ? `HTTP ${httpStatus}` : `Graph error ${error.code}`;
  const message = redact(`${advice.message} (${codeText}${graphText ? `: ${graphText}` : ""})`, accessToken);
  const retry: RetryHint =
    retryAfterMs !== undefined && advice.retry !== "never" ? { afterMs: retryAfterMs } : advice.retry;
  return new AppError("CHANNEL_SEND_FAILED", message, {
    retry,
    details: {
      httpStatus,
      ...(error?.code !== undefined ? { graphCode: error.code } : {}),
      ...(error?.error_subcode !== undefined ? { graphSubcode: error.error_subcode } : {}),
      ...(error?.type ? { graphType: error.type } : {}),
      ...(error?.fbtrace_id ? { fbtraceId: error.fbtrace_id } : {}),
      ...(advice.undeliverable ? { undeliverable: true } : {}),
      ...(advice.throttlesChannel ? { channelThrottled: true } : {}),
    },
  });
}

/**
 * The request failed without an answer. Refused, DNS or TLS: Meta never saw it; send again.
 * A timeout or a connection cut after the request was written: Meta may have accepted it, and
 * sending again could give the customer the message twice. That is marked `outcome: "unknown"`
 * for the caller to reconcile through the status webhooks that echo biz_opaque_callback_data.
 */
export function networkErrorToAppError(error: unknown, apiBaseUrl: string, accessToken: string): AppError {
  const isUnknown = requestOutcome(error) === "unknown";
  const reason = redact(fetchFailureReason(error), accessToken);
  return new AppError(
    "CHANNEL_SEND_FAILED",
    isUnknown
      ? `No answer from the WhatsApp API at ${apiBaseUrl} (${reason}); the message may have been sent.`
      : `Could not reach the WhatsApp API at ${apiBaseUrl} (${reason}); the message was not sent.`,
    { retry: "default", cause: error, details: { outcome: isUnknown ? "unknown" : "not_sent" } },
  );
}
