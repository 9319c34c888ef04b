import { AppError } from "../core/app-error.js";
import { type FetchLike, fetchFailureReason, requestOutcome } from "../core/fetch.js";
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

export function handoffWebhookConnection(fetchImpl: FetchLike): ResolvedConnection {
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
            let response: Response;
            try {
              response = await fetchImpl(url, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(input.payload ?? null),
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
            if (!response.ok) {
              throw new AppError("NETWORK_ERROR", `The handoff webhook answered HTTP ${response.status}.`, {
                retry: response.status >= 500 || response.status === 429 ? "default" : "never",
                details: { status: response.status },
              });
            }
            return { status: response.status };
          },
        },
      },
    },
  };
}
