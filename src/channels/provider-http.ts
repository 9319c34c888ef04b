import { AppError, type RetryHint } from "../core/app-error.js";
import { type FetchInit, type FetchLike, fetchFailureReason, requestOutcome } from "../core/fetch.js";
import { retryAfterAt } from "../core/retry-after.js";
import { redactSecrets } from "../core/secret-forms.js";

/** How long removing a webhook (`teardown`) may keep the admin's DELETE waiting, per provider call. */
export const TEARDOWN_TIMEOUT_MS = 10_000;

/**
 * The HTTP call every adapter's `send` and `setup` makes to its provider, with the error mapping
 * the outbound queue relies on (src/queue/effects.ts):
 * - no connection, DNS or TLS failure: `outcome: "not_sent"`, retried;
 * - a timeout or a cut after the request was written: `outcome: "unknown"` (the provider may have
 *   accepted it; the queue reconciles or, without status echoes, does not resend);
 * - 429 and 5xx: retried, after `Retry-After` when the provider sends one;
 * - other 4xx: `retry: "never"`, with the provider's own words in the message.
 * Secrets (tokens in URLs or headers) are cut out of every message.
 */
export interface ProviderCall {
  /** Provider name for messages, e.g. "Telegram". */
  provider: string;
  fetch: FetchLike;
  url: string;
  init: FetchInit;
  /** Values that must never appear in an error message (bot token, access token). */
  secrets: ReadonlyArray<string>;
  /** "setup": the call registers or looks up a webhook, it sends no message (the error says so). */
  purpose?: "send" | "setup";
}

export interface ProviderAnswer {
  status: number;
  headers: Headers;
  /** The body as text (XML and form answers exist) and, when it is JSON, parsed. */
  text: string;
  json: unknown;
}

/** Makes the call; throws CHANNEL_SEND_FAILED only for a failure without an answer. */
export async function callProvider(call: ProviderCall): Promise<ProviderAnswer> {
  let response: Response;
  try {
    response = await call.fetch(call.url, call.init);
  } catch (error) {
    throw networkFailure(call, error);
  }
  const text = await response.text().catch(() => "");
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * `Retry-After` as milliseconds from `now`. Either form HTTP allows: delay-seconds (what most
 * providers send) or an HTTP-date (RFC 9110 §10.2.3), which a gateway in front of a provider may
 * send; a date already past, or an unreadable value, gives undefined (the default back-off).
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get("retry-after");
  const at = value === null ? null : retryAfterAt(value, now);
  return at === null || at <= now ? undefined : at - now;
}

/**
 * A refusal the provider answered: CHANNEL_SEND_FAILED with its words and a retry hint.
 * `retry` overrides the status-based hint (e.g. a provider error code known to be permanent).
 */
export function providerRefusal(
  call: Pick<ProviderCall, "provider" | "secrets">,
  answer: Pick<ProviderAnswer, "status" | "headers">,
  detail: string | undefined,
  options: { retry?: RetryHint; details?: Record<string, unknown> } = {},
): AppError {
  const isTransient = answer.status === 429 || answer.status >= 500;
  const after = retryAfterMs(answer.headers);
  const retry: RetryHint =
    options.retry ?? (isTransient ? (after !== undefined ? { afterMs: after } : "default") : "never");
  const what =
    answer.status === 429 ? "rate limit reached" : isTransient ? "server error" : "refused the message";
  const message = redact(
    `${call.provider} ${what} (HTTP ${answer.status}${detail ? `: ${detail}` : ""})`,
    call.secrets,
  );
  return new AppError("CHANNEL_SEND_FAILED", message, {
    retry,
    details: { httpStatus: answer.status, ...options.details },
  });
}

/**
 * The provider accepted the call but its answer lacks what Tern needs (a message id). The message
 * most likely went out, so this is an unknown outcome, not a refusal: failing it for good would
 * let a fallback channel send it a second time. The send reconciles it (queue/README.md): a
 * status echoing the effect key, a provider that drops a repeat, else settled `unknown`.
 */
export function unreadableAnswer(provider: string, answer: Pick<ProviderAnswer, "status">, what: string) {
  return new AppError(
    "CHANNEL_SEND_FAILED",
    `${provider} accepted the request but returned no ${what}; the message may have been sent.`,
    { retry: "default", details: { httpStatus: answer.status, outcome: "unknown" } },
  );
}

function networkFailure(call: ProviderCall, error: unknown): AppError {
  const isUnknown = requestOutcome(error) === "unknown";
  const host = safeOrigin(call.url);
  const reason = redact(fetchFailureReason(error), call.secrets);
  return new AppError(
    "CHANNEL_SEND_FAILED",
    isUnknown
      ? `No answer from the ${call.provider} API at ${host} (${reason}); ${call.purpose === "setup" ? "the call may have taken effect" : "the message may have been sent"}.`
      : `Could not reach the ${call.provider} API at ${host} (${reason}); ${call.purpose === "setup" ? "nothing was changed there" : "the message was not sent"}.`,
    { retry: "default", cause: error, details: { outcome: isUnknown ? "unknown" : "not_sent" } },
  );
}

/** Origin only: Telegram puts the bot token in the path. */
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

export function redact(text: string, secrets: ReadonlyArray<string>): string {
  return redactSecrets(text, secrets);
}
