import type { Logger } from "pino";
import type { Metrics } from "../core/metrics.js";
import { isStorageFailure } from "../store/storage-failure.js";

/**
 * graphile-worker 0.17.3 leaves some of its database work unawaited: recording a job's completion
 * or failure (dist/worker.js: `completeJob(job)`, `failJob(...)`) and returning a batch of
 * fetched jobs at shutdown (dist/localQueue.js). With the database unreachable past its retries,
 * or the pool ended by a shutdown while a retry waited, the rejection has nobody listening. Known
 * and handled: such jobs stay locked by this runner until `queue/jobs/lost-completions.ts`
 * unlocks them, or the others take them once this runner is stale. 0.18 needs Node 22, so they
 * are recognised here instead of fixed there.
 */
// graphile-worker is kept out of the bundle for this (scripts/bundle-cli.mjs).
const GRAPHILE_CODE = /graphile-worker[\\/]dist[\\/]/;
const GRAPHILE_DATABASE_FAILURE =
  /Cannot use a pool after calling end on the pool|returning jobs from local queue to database queue/;

export function isGraphileDatabaseRejection(reason: unknown): boolean {
  return (
    reason instanceof Error &&
    GRAPHILE_CODE.test(reason.stack ?? "") &&
    (isStorageFailure(reason) || GRAPHILE_DATABASE_FAILURE.test(reason.message))
  );
}

/**
 * Installed by `tern serve`. A promise rejected with nobody listening would, since Node 15, end
 * the process and every request in flight with it. Here it is logged with its stack and counted
 * instead, which is safe because nothing durable depends on the promise that was dropped: every
 * write goes through a transaction that commits or rolls back on its own, a webhook is
 * acknowledged only after its commit, and the worker re-reads its state from the database. An
 * uncaught *exception* is not caught here: on request paths it is contained per request (the
 * guarded listener in app.ts and webhook-handler.ts answers 500), and anywhere else it means
 * state in memory may be broken, so the process ends and restarts from durable state.
 */
export function installProcessGuard(deps: { logger: Logger; metrics: Metrics }): () => void {
  const rejections = deps.metrics.counter(
    "tern_unhandled_rejections_total",
    "Promises rejected without a handler (logged with their stack; the process keeps running).",
  );
  const listener = (reason: unknown): void => {
    if (isGraphileDatabaseRejection(reason)) {
      deps.logger.warn(
        { err: reason },
        "the job engine could not record a job's outcome (database unavailable or shutting down); its jobs are unlocked once the database answers",
      );
      return;
    }
    rejections.inc();
    deps.logger.error(
      { err: reason },
      "unhandled promise rejection (kept running; this is a bug, please report it)",
    );
  };
  process.on("unhandledRejection", listener);
  return () => process.off("unhandledRejection", listener);
}
