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
  /** The first look after a poke. */
  firstDelayMs?: number;
  /** The longest sleep while statuses are kept (a clock moved, another process's statuses). */
  maxDelayMs?: number;
}

/**
 * Applies early delivery statuses once their send has settled. A sweep instead of a look at each
 * settle: on PostgreSQL the status's transaction and the settle's can each miss the other's
 * uncommitted row, and a later look after both committed cannot; nor does it cost the send path
 * anything. Poked after a webhook with statuses of a channel that keeps them, it looks at what is
 * due (each kept status has its next look: soon, then less and less often) and sleeps until the
 * next one is due. The table is shared: any process's sweep applies any process's statuses.
 */
export function createEarlyStatusSweep(deps: EarlyStatusSweepDeps) {
  const { store, clock, log } = deps;
  const firstDelayMs = deps.firstDelayMs ?? 250;
  const maxDelayMs = deps.maxDelayMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let armedAt = Number.POSITIVE_INFINITY;
  let isStopped = false;
  let pass: Promise<void> | undefined;

  /** Looks in `ms` (real time), unless a look is already armed sooner. */
  const schedule = (ms: number): void => {
    if (isStopped) return;
    const at = Date.now() + ms;
    if (timer && armedAt <= at) return;
    if (timer) clearTimeout(timer);
    armedAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      armedAt = Number.POSITIVE_INFINITY;
      // One pass at a time: a look due during a pass comes after it.
      const run = (pass ?? Promise.resolve()).then(sweep);
      pass = run;
      void run.finally(() => {
        if (pass === run) pass = undefined;
      });
    }, ms);
    timer.unref();
  };

  const sweep = async (): Promise<void> => {
    try {
      let next = await store.statuses.nextCheckAt();
      if (next !== null && next <= clock.now()) {
        const settled = await store.write(
          async (tx) => {
            const keys = await tx.statuses.settleEarly(clock.now(), BATCH, EARLY_STATUS_KEEP_MS);
            // PostgreSQL: the fallback's conversation gets its job in this commit (no-op on SQLite).
            await tx.jobs.conversations(keys);
            return { keys, next: await tx.statuses.nextCheckAt() };
          },
          // Replayable: lost, the statuses are still kept and the next pass applies them.
          { durable: false },
        );
        deps.notify(settled.keys);
        next = settled.next;
      }
      if (next !== null) schedule(Math.min(Math.max(next - clock.now(), 10), maxDelayMs));
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
      schedule(firstDelayMs);
    },
    /** Stops looking; waits for a pass in progress. */
    async stop(): Promise<void> {
      isStopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await pass;
    },
  };
}
export type EarlyStatusSweep = ReturnType<typeof createEarlyStatusSweep>;
