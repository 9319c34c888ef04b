import type { Clock } from "../core/clock.js";
import type { Store } from "../store/store.js";

/**
 * A status that came before its send settled is kept this long for it (delivery-statuses.ts).
 * A send settles within milliseconds of the provider's answer, seconds under a backlog; a status
 * still unmatched after this names a message Tern did not send (another app on the same number).
 */
export const EARLY_STATUS_KEEP_MS = 10 * 60_000;
/** Early statuses applied per write. */
const BATCH = 200;

export interface EarlyStatusSweepDeps {
  store: Store;
  clock: Clock;
  /** New inbox rows (a fallback) were committed for these conversations. */
  notify(keys: string[]): void;
  log: { warn(o: object, m?: string): void };
  /** First look after a poke; doubled while unmatched statuses remain, up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Applies early delivery statuses once their send has settled. A sweep instead of a look at each
 * settle: on PostgreSQL the status's transaction and the settle's can each miss the other's
 * uncommitted row, and a later look after both committed cannot; nor does it cost the send path
 * anything. Poked after a webhook with statuses of a channel that keeps them; it looks again,
 * less and less often, while any remains (any process's: the table is shared).
 */
export function createEarlyStatusSweep(deps: EarlyStatusSweepDeps) {
  const { store, clock, log } = deps;
  const firstDelayMs = deps.firstDelayMs ?? 250;
  const maxDelayMs = deps.maxDelayMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  let delayMs = firstDelayMs;
  let isStopped = false;
  let pass: Promise<void> | undefined;

  const schedule = (ms: number): void => {
    if (timer || isStopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      pass = sweep().finally(() => {
        pass = undefined;
      });
    }, ms);
    timer.unref();
  };

  const sweep = async (): Promise<void> => {
    try {
      if (!(await store.statuses.hasEarly())) {
        delayMs = firstDelayMs;
        return;
      }
      const { keys, isLeft } = await store.write(
        async (tx) => {
          const now = clock.now();
          const settled = await tx.statuses.settleEarly(now, BATCH);
          await tx.statuses.pruneEarly(now - EARLY_STATUS_KEEP_MS);
          // PostgreSQL: the fallback's conversation gets its job in this commit (no-op on SQLite).
          await tx.jobs.conversations(settled);
          return { keys: settled, isLeft: await tx.statuses.hasEarly() };
        },
        // Replayable: lost, the statuses are still kept and the next pass applies them.
        { durable: false },
      );
      deps.notify(keys);
      if (isLeft) {
        delayMs = Math.min(delayMs * 2, maxDelayMs);
        schedule(delayMs);
      } else {
        delayMs = firstDelayMs;
      }
    } catch (err) {
      log.warn(
        { err },
        "applying delivery statuses that came before their send settled failed; trying again",
      );
      schedule(maxDelayMs);
    }
  };

  return {
    /** Statuses were stored that may have been kept early: look soon. */
    poke(): void {
      if (delayMs > firstDelayMs && timer) {
        // Backing off for statuses that match nothing yet; a new one deserves a quick look.
        clearTimeout(timer);
        timer = undefined;
      }
      delayMs = firstDelayMs;
      schedule(firstDelayMs);
    },
    /** The pass in progress, if any (tests; a stop waits for it). */
    async stop(): Promise<void> {
      isStopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await pass;
    },
  };
}
export type EarlyStatusSweep = ReturnType<typeof createEarlyStatusSweep>;
