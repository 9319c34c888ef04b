import type { Clock } from "../core/clock.js";
import type { Metrics } from "../core/metrics.js";
import type { Store } from "./store.js";

/**
 * Retention: deletes history older than `TERN_RETENTION_DAYS` on a timer in the serving process.
 * Every batch is one short `store.write` (at most `batchSize` rows looked at), with a turn of the
 * event loop between batches, so webhooks keep being acknowledged while a large backlog is pruned.
 * What is kept and why: README "Retention and erasure".
 */
const DAY_MS = 86_400_000;
/**
 * Meta redelivers an unacknowledged webhook for up to 7 days
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks; RBM also retries for 7 days):
 * an inbox row's unique (channel, provider message id) is kept at least this long, whatever the
 * retention, so a redelivery stays a no-op.
 */
export const DEDUPE_WINDOW_MS = 7 * DAY_MS;
const HOUR_MS = 3_600_000;

export interface PruneSummary {
  runs: number;
  runSteps: number;
  messages: number;
  effects: number;
  inboxDeleted: number;
  inboxBlanked: number;
  rejected: number;
  contacts: number;
  /** Claimed schedule times (`schedule_firings`). */
  scheduleFirings: number;
  /** PostgreSQL: Tern's jobs that gave up (their payload can name a conversation). */
  deadJobs: number;
  /** Free pages handed back to the file system. */
  reclaimedPages: number;
}

export interface PrunerDeps {
  store: Store;
  clock: Clock;
  /** null: keep everything. */
  retentionDays: number | null;
  metrics: Metrics;
  log: {
    info(o: object, m?: string): void;
    debug(o: object, m?: string): void;
    error(o: object, m?: string): void;
  };
  batchSize?: number;
  intervalMs?: number;
}

const emptySummary = (): PruneSummary => ({
  runs: 0,
  runSteps: 0,
  messages: 0,
  effects: 0,
  inboxDeleted: 0,
  inboxBlanked: 0,
  rejected: 0,
  contacts: 0,
  scheduleFirings: 0,
  deadJobs: 0,
  reclaimedPages: 0,
});

/** `/metrics` series of each summary figure: the table, and whether rows went or only their body. */
const METRIC_LABELS = {
  runs: { table: "runs", action: "deleted" },
  runSteps: { table: "run_steps", action: "deleted" },
  messages: { table: "messages", action: "deleted" },
  effects: { table: "effects", action: "deleted" },
  inboxDeleted: { table: "inbox", action: "deleted" },
  inboxBlanked: { table: "inbox", action: "blanked" },
  rejected: { table: "rejected_events", action: "deleted" },
  contacts: { table: "contacts", action: "deleted" },
  scheduleFirings: { table: "schedule_firings", action: "deleted" },
  deadJobs: { table: "graphile_worker.jobs", action: "deleted" },
} as const satisfies Record<Exclude<keyof PruneSummary, "reclaimedPages">, object>;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createPruner(deps: PrunerDeps) {
  const { store, clock } = deps;
  // 100 finished runs (with steps, messages, effects) took ~45 ms in one transaction on the
  // shared 2-core development machine: 50 keeps each batch near 20 ms.
  const batchSize = deps.batchSize ?? 50;
  const pruned = deps.metrics.counter(
    "tern_retention_pruned_rows_total",
    "Rows deleted or blanked by retention.",
  );
  // A pass that found nothing old enough logs at debug only: this says retention is running.
  const passes = deps.metrics.counter("tern_retention_passes_total", "Retention passes finished.");
  let handle: NodeJS.Timeout | null = null;
  let current: Promise<PruneSummary> | null = null;
  let isStopped = false;

  /** Runs `step` batch after batch from `start` until it reports no next page. */
  async function walk<C>(
    start: C,
    step: (r: Store["retention"], cursor: C) => Promise<{ next: C | null }>,
  ): Promise<void> {
    let cursor: C | null = start;
    while (cursor !== null && !isStopped) {
      const at: C = cursor;
      cursor = (await store.write((tx) => step(tx.retention, at), { durable: false })).next;
      await nextTurn();
    }
  }

  async function prune(): Promise<PruneSummary> {
    const total = emptySummary();
    // Expired sign-in sessions go whatever the retention (each sign-in also drops them).
    await store.write((tx) => tx.sessions.pruneExpired(clock.now()), { durable: false });
    if (deps.retentionDays === null) return total;
    const started = performance.now();
    const now = clock.now();
    const historyBefore = now - deps.retentionDays * DAY_MS;
    const cutoffs = { historyBefore, dedupeBefore: Math.min(historyBefore, now - DEDUPE_WINDOW_MS) };
    const add = (part: Partial<PruneSummary>) => {
      for (const [k, v] of Object.entries(part)) {
        if (typeof v === "number" && k in total) total[k as keyof PruneSummary] += v;
      }
    };
    await walk("", async (r, after) => tap(await r.pruneRuns(historyBefore, after, batchSize), add));
    await walk("", async (r, after) => tap(await r.pruneLooseMessages(historyBefore, after, batchSize), add));
    await walk("", async (r, after) => tap(await r.pruneOrphanEffects(historyBefore, after, batchSize), add));
    await walk(0, async (r, after) => tap(await r.pruneInbox(cutoffs, after, batchSize), add));
    await walk(true, async (r) => {
      const done = tap(await r.pruneRejected(historyBefore, batchSize), add);
      return { next: done.isDone ? null : true };
    });
    await walk("", async (r, after) => tap(await r.pruneContacts(historyBefore, after, batchSize), add));
    await walk({ flowId: "", isDone: false }, async (r, from) =>
      tap(await r.pruneScheduleFirings(historyBefore, from, batchSize), add),
    );
    add({ deadJobs: await store.write((tx) => tx.jobs.pruneDead(historyBefore), { durable: false }) });
    // Give the freed pages back in steps of 4 MB (at 4 KB pages); only SQLite keeps them.
    total.reclaimedPages =
      (await store.db.reclaimSpace?.({ pagesPerStep: 1_024, shouldStop: () => isStopped })) ?? 0;
    // SQLite: the pruned history is still readable in the file's free pages (and the older copies
    // that updates left there) and in the WAL. Zeroed, as after an erasure; only after a pass that
    // pruned something, so the cost follows what retention removed.
    const isAnyPruned = Object.entries(total).some(([k, n]) => k !== "reclaimedPages" && n > 0);
    if (isAnyPruned && !isStopped) await store.db.forgetErased?.();
    for (const [key, labels] of Object.entries(METRIC_LABELS)) {
      const n = total[key as keyof typeof METRIC_LABELS];
      if (n > 0) pruned.inc(labels, n);
    }
    passes.inc();
    const ms = Math.round(performance.now() - started);
    const isAny = Object.values(total).some((n) => n > 0);
    (isAny ? deps.log.info : deps.log.debug).call(
      deps.log,
      { ...total, retentionDays: deps.retentionDays, ms },
      "retention: pruned history older than the retention age",
    );
    return total;
  }

  /** One full pass now (a pass already running is joined, not doubled). */
  const runOnce = (): Promise<PruneSummary> => {
    current ??= prune().finally(() => {
      current = null;
    });
    return current;
  };

  return {
    runOnce,
    /** Prunes a minute after start, then every `intervalMs` (default an hour). */
    start(): void {
      if (deps.retentionDays === null || handle) return;
      isStopped = false;
      const tick = () => {
        handle = setTimeout(tick, deps.intervalMs ?? HOUR_MS);
        handle.unref();
        runOnce().catch((error: unknown) => deps.log.error({ err: error }, "retention: pruning failed"));
      };
      handle = setTimeout(tick, Math.min(60_000, deps.intervalMs ?? HOUR_MS));
      handle.unref();
    },
    /** Stops the timer and waits for a pass in progress to finish its current batch. */
    async stop(): Promise<void> {
      isStopped = true;
      if (handle) clearTimeout(handle);
      handle = null;
      await current?.catch(() => undefined);
    },
  };
}
export type Pruner = ReturnType<typeof createPruner>;

function tap<T extends object>(value: T, add: (part: Partial<PruneSummary>) => void): T {
  add(value as Partial<PruneSummary>);
  return value;
}
