import { monitorEventLoopDelay } from "node:perf_hooks";
import type { FastifyPluginAsync, onRequestAsyncHookHandler } from "fastify";
import { RUN_STATUSES } from "../../flows/runtime.js";
import { REJECTED_REASONS } from "../../store/repos/rejected-event-repo.js";
import { isStorageFailure } from "../../store/storage-failure.js";
import type { AppDeps, Exposure } from "../app.js";
import type { DeliveryHealth } from "../delivery-health.js";

/** Liveness, readiness (the database answers and takes deliveries) and Prometheus metrics. */
export const healthRoutes =
  (
    deps: AppDeps,
    options: { metrics: Exposure; auth: onRequestAsyncHookHandler; deliveries: DeliveryHealth },
  ): FastifyPluginAsync =>
  async (app) => {
    app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
    app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
      try {
        await deps.store.ping();
      } catch {
        return reply.status(503).send({ status: "unavailable", reason: "database_unreachable" });
      }
      // The database answers a read but may refuse every delivery's commit (a full disk, a
      // read-only database, a lock held by maintenance).
      const failingSince = options.deliveries.failingSince();
      if (failingSince !== null)
        return reply.status(503).send({
          status: "unavailable",
          reason: "writes_failing",
          since: new Date(failingSince).toISOString(),
        });
      return { status: "ready" };
    });
    if (options.metrics === "off") return;
    // Event-loop delay is the first thing to look at when acks or replies get slow.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    app.addHook("onClose", async () => loopDelay.disable());
    const onRequest = options.metrics === "token" ? options.auth : undefined;
    app.get(
      "/metrics",
      { schema: { hide: true }, ...(onRequest ? { onRequest } : {}) },
      async (_req, reply) => {
        const memory = process.memoryUsage();
        const database = await databaseGauges(deps.store);
        const lines = [
          "# HELP tern_database_up Whether the database answered this scrape (0: down; the gauges read from it are left out).",
          "# TYPE tern_database_up gauge",
          `tern_database_up ${database ? 1 : 0}`,
          "# HELP tern_database_writes_failing Whether a webhook delivery could not be stored for the storage's sake in the last 10 s (a full disk, a read-only database, a lock held by maintenance); /readyz answers 503 meanwhile.",
          "# TYPE tern_database_writes_failing gauge",
          `tern_database_writes_failing ${options.deliveries.failingSince() === null ? 0 : 1}`,
          ...(database ?? []),
          "# HELP tern_event_loop_delay_seconds Event-loop delay since the last scrape.",
          "# TYPE tern_event_loop_delay_seconds gauge",
          `tern_event_loop_delay_seconds{quantile="0.5"} ${loopDelay.percentile(50) / 1e9}`,
          `tern_event_loop_delay_seconds{quantile="0.99"} ${loopDelay.percentile(99) / 1e9}`,
          `tern_event_loop_delay_seconds{quantile="1"} ${loopDelay.max / 1e9}`,
          "# HELP process_resident_memory_bytes Resident set size.",
          "# TYPE process_resident_memory_bytes gauge",
          `process_resident_memory_bytes ${memory.rss}`,
          "# HELP nodejs_heap_used_bytes V8 heap in use.",
          "# TYPE nodejs_heap_used_bytes gauge",
          `nodejs_heap_used_bytes ${memory.heapUsed}`,
          ...deps.metrics.render(),
          "",
        ];
        loopDelay.reset();
        return reply.type("text/plain; version=0.0.4").send(lines.join("\n"));
      },
    );
  };

/**
 * One series per known value, 0 when there are no rows: an alert on the first dead letter or
 * failed run needs the series before it (a series that appears at 1 has no change to show).
 */
function byLabel<T extends { n: number }>(
  name: string,
  label: string,
  known: readonly string[],
  rows: readonly T[],
  labelOf: (row: T) => string,
): string[] {
  const counts = new Map(known.map((value) => [value, 0]));
  for (const row of rows) counts.set(labelOf(row), row.n);
  return [...counts].map(([value, n]) => `${name}{${label}="${value}"} ${n}`);
}

/**
 * The gauges read from the database at each scrape, or null when it is unavailable: the process's
 * own metrics are still served then, when they matter most (an outage's retries and rejections).
 */
async function databaseGauges(store: AppDeps["store"]): Promise<string[] | null> {
  try {
    // As /readyz: a SQLite file deleted or moved while open still answers reads, from nowhere.
    await store.ping();
    const counts = await store.runs.countByStatus();
    const backlog = await store.inbox.backlog();
    const rejected = await store.rejectedEvents.countByReason();
    return [
      "# HELP tern_inbox_backlog Inbound messages stored but not processed yet.",
      "# TYPE tern_inbox_backlog gauge",
      `tern_inbox_backlog ${backlog}`,
      "# HELP tern_rejected_events Webhook items and messages kept in rejected_events (within retention), by reason; processing_failed are dead letters of any process, workers included.",
      "# TYPE tern_rejected_events gauge",
      ...byLabel("tern_rejected_events", "reason", REJECTED_REASONS, rejected, (r) => r.reason),
      "# HELP tern_runs Runs by status.",
      "# TYPE tern_runs gauge",
      ...byLabel("tern_runs", "status", RUN_STATUSES, counts, (c) => c.status),
    ];
  } catch (error) {
    if (isStorageFailure(error)) return null;
    throw error;
  }
}
