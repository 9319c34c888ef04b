import { AppError, toAppError } from "../core/app-error.js";
import { createGuardedHttp, type GuardedHttp } from "../core/guarded-http.js";
import { retryAfterAt } from "../core/retry-after.js";
import { redactSecrets } from "../core/secret-forms.js";
import type { HttpAnswer, HttpRequestSpec } from "../flows/runtime.js";
import { type EffectsDeps, isOutcomeUnknown, type RunContext } from "./effects.js";
import type { Outbox } from "./send-effects.js";

/**
 * The `http` step's request through the outbox. The policy, as far as HTTP allows exactly-once:
 *
 * - the intent is committed before the request leaves; the answer (any status) is recorded
 *   after it, so a step re-executed after a crash gets the recorded answer and does not call
 *   again;
 * - a request whose answer was lost (the process died with it in flight, or the attempt timed
 *   out or was cut after it was written) is sent again: **at-least-once**. Every attempt carries
 *   `Idempotency-Key: <effect key>` (the same key for retries and replays), so an API that
 *   honours the header (Stripe, Adyen, the IETF draft) runs it once;
 * - retried, with the same key, on network errors, timeouts, 429 and 5xx: at most `retries`
 *   more attempts, waiting `Retry-After` (seconds or a date, up to 30 s) or an exponential
 *   back-off. Never on another 4xx, and never when the address was refused.
 */
export const MAX_RETRY_AFTER_MS = 30_000;
const BACKOFF_BASE_MS = 250;

export function createHttpEffect(
  deps: EffectsDeps,
  ctx: RunContext,
  outbox: Outbox,
): (key: string, spec: HttpRequestSpec) => Promise<HttpAnswer> {
  const { store, clock } = deps;
  const { write, settleLater, failDefinitively } = outbox;
  // Cheap: a policy object and a function; no sockets are pooled (each request connects anew).
  const client: GuardedHttp = deps.http ?? createGuardedHttp();

  return async (key, spec) => {
    const existing = await store.effects.get(key);
    if (existing?.status === "done") return existing.result as HttpAnswer;
    let url = spec.url;
    let credentialHeaders: Record<string, string> = {};
    if (spec.connection) {
      const connection = await deps.connector(spec.connection);
      if (!connection.runtime.authorizeHttp) {
        throw new AppError(
          "CONNECTION_INVALID",
          `Connection "${spec.connection}" cannot authenticate HTTP requests; an http step needs a connection of type "http"`,
        );
      }
      ({ url, headers: credentialHeaders } = await connection.runtime.authorizeHttp(
        connection.config,
        spec.url,
      ));
    }
    await ctx.assertActive?.();
    await write((tx) => tx.effects.begin(key, "http", clock.now()));
    const request = {
      method: spec.method,
      url,
      headers: { "idempotency-key": key, ...spec.headers },
      body: spec.body,
      credentialHeaders,
      timeoutMs: spec.timeoutMs,
    };
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) await ctx.assertActive?.();
      else ctx.assertHeld?.(); // the run was read before the intent; the lease may lapse during it
      let answer: HttpAnswer;
      try {
        answer = await client(request);
      } catch (error) {
        const appError = toAppError(error);
        if (appError.retry !== "never" && attempt <= spec.retries) {
          await deps.sleep(backoffMs(attempt));
          continue;
        }
        // Maybe received: leave the intent in flight, a replay sends it again (same key).
        if (isOutcomeUnknown(appError)) throw appError;
        return failDefinitively(key, appError);
      }
      if (isRetryableStatus(answer.status) && attempt <= spec.retries) {
        const waitMs = retryAfterMs(answer.headers["retry-after"], clock.now()) ?? backoffMs(attempt);
        // A longer wait than that would hold the conversation: the step takes the answer as it is.
        if (waitMs <= MAX_RETRY_AFTER_MS) {
          await deps.sleep(waitMs);
          continue;
        }
      }
      // An API may echo the request (httpbin, an "invalid key: …" error): the connection's
      // credentials must not reach the run's history or state through its answer.
      const shown = withoutCredentials(answer, credentialHeaders);
      settleLater((tx) => tx.effects.finish(key, shown, clock.now()));
      return shown;
    }
  };
}

/** Shorter values are not hidden: replacing them would mangle the answer and hide little. */
const MIN_SECRET_LENGTH = 6;

/** The secret parts of credential headers: the value, a bearer token, basic auth's password. */
function credentialSecrets(headers: Record<string, string>): string[] {
  const secrets = new Set<string>();
  for (const value of Object.values(headers)) {
    secrets.add(value);
    const scheme = /^(Bearer|Basic)\s+(.+)$/i.exec(value);
    if (!scheme?.[2]) continue;
    secrets.add(scheme[2]);
    if (scheme[1]?.toLowerCase() === "basic") {
      const decoded = Buffer.from(scheme[2], "base64").toString("utf8");
      secrets.add(decoded);
      secrets.add(decoded.slice(decoded.indexOf(":") + 1));
    }
  }
  return [...secrets];
}

/** The answer with every credential of the request (in every form it may be echoed in) as `[redacted]`. */
export function withoutCredentials(
  answer: HttpAnswer,
  credentialHeaders: Record<string, string>,
): HttpAnswer {
  const secrets = credentialSecrets(credentialHeaders).filter((s) => s.length >= MIN_SECRET_LENGTH);
  if (secrets.length === 0) return answer;
  const hide = (text: string) => redactSecrets(text, secrets);
  return {
    ...answer,
    body: hide(answer.body),
    url: hide(answer.url),
    headers: Object.fromEntries(Object.entries(answer.headers).map(([name, value]) => [name, hide(value)])),
  };
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** (attempt - 1), 8_000);
}

/** `Retry-After: 5` or `Retry-After: <HTTP date>` → ms from now; null when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | null {
  const at = value === undefined ? null : retryAfterAt(value, now);
  return at === null ? null : Math.max(0, at - now);
}
