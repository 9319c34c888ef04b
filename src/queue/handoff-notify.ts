import { AppError } from "../core/app-error.js";
import { type FetchLike, fetchFailureReason, requestOutcome } from "../core/fetch.js";
import type { GuardedHttp } from "../core/guarded-http.js";
import { isSecureUrl, SECURE_URL_RULE } from "../core/secure-url.js";
import { HANDOFF_WEBHOOK } from "../flows/steps/handoff.step.js";
import type { ResolvedConnection } from "../services/integrations.js";

/**
 * The built-in connection a `handoff` step's `notify` goes through (`ctx.effects.call`), so the
 * notification is an outbox effect like any other: keyed by run and visit, sent once per visit
 * (a crash mid-call retries it: at-least-once for a webhook, which has no idempotency key; the
 * payload carries the run id so the receiver can tell). Not a user connection: no one can name a
 * connection with the `@` this name starts with.
 */
export { HANDOFF_WEBHOOK };

/**
 * `http`: the `http` step's guarded client. When the worker has one, a notify URL is held to the
 * same address policy (no private, loopback or metadata addresses unless TERN_HTTP_ALLOW* allows
 * them, checked after DNS and on every redirect): a flow author must not reach inside the network
 * through a handoff either.
 */
export function handoffWebhookConnection(fetchImpl: FetchLike, http?: GuardedHttp): ResolvedConnection {
  return {
    id: HANDOFF_WEBHOOK,
    name: HANDOFF_WEBHOOK,
    config: {},
    runtime: {
      test: async () => ({ ok: true }),
      actions: {
        post: {
          async run(input) {
            const url = String(input.url ?? "");
            // The flow author's URL: https, or http on loopback (for local receivers and tests).
            if (!isSecureUrl(url)) {
              throw new AppError("BAD_REQUEST", `The handoff notify URL ${SECURE_URL_RULE}.`, {
                retry: "never",
              });
            }
            const body = JSON.stringify(input.payload ?? null);
            if (http) {
              const answer = await http({
                method: "POST",
                url,
                headers: { "content-type": "application/json" },
                body,
                timeoutMs: 10_000,
                maxResponseBytes: 64 * 1024,
              });
              return checkStatus(answer.status);
            }
            let response: Response;
            try {
              response = await fetchImpl(url, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body,
                timeoutMs: 10_000,
                maxResponseBytes: 64 * 1024,
              });
            } catch (error) {
              throw new AppError(
                "NETWORK_ERROR",
                `The handoff webhook could not be reached: ${fetchFailureReason(error)}`,
                {
                  cause: error,
                  details: { outcome: requestOutcome(error) },
                },
              );
            }
            await response.arrayBuffer().catch(() => undefined);
            return checkStatus(response.status);
          },
        },
      },
    },
  };
}

function checkStatus(status: number): { status: number } {
  if (status < 200 || status > 299) {
    throw new AppError("NETWORK_ERROR", `The handoff webhook answered HTTP ${status}.`, {
      retry: status >= 500 || status === 429 ? "default" : "never",
      details: { status },
    });
  }
  return { status };
}
