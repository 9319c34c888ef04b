import type { Clock } from "../core/clock.js";

/**
 * Wakes the worker when the earliest waiting run times out. Timeouts live in the database
 * (`runs.timeout_at`), so the timer is only an optimisation: after a restart it re-reads them.
 * On PostgreSQL every worker process runs one, armed for the earliest deadline of any process.
 */
const MAX_SLEEP_MS = 60_000;
/**
 * A timeout still due right after firing is being handled by its lane (or failed transiently
 * there): look again this much later instead of re-arming at 0 ms, which spun the event loop and
 * queued the same timeout again on every turn until the lane got to it.
 */
const STILL_DUE_RETRY_MS = 1_000;

export function createTimer(options: {
  clock: Clock;
  next(): Promise<number | null> | number | null;
  fire(): Promise<void> | void;
  /** A read or `fire` failed (the database): the timer looks again after STILL_DUE_RETRY_MS. */
  onError?(error: unknown): void;
  /**
   * The longest it sleeps before reading the next deadline again (default 60 s). With several
   * processes, what bounds how late a deadline set by a process that died fires.
   */
  maxSleepMs?: number;
}) {
  const maxSleepMs = options.maxSleepMs ?? MAX_SLEEP_MS;
  let handle: NodeJS.Timeout | null = null;
  let armedFor: number | null = null;
  let stopped = false;

  const arm = (at: number | null): void => {
    if (stopped || at === null) return;
    if (handle && armedFor !== null && armedFor <= at) return;
    if (handle) clearTimeout(handle);
    armedFor = at;
    const delay = Math.max(0, Math.min(at - options.clock.now(), maxSleepMs));
    handle = setTimeout(() => void tick(), delay);
    handle.unref();
  };

  const tick = async (): Promise<void> => {
    handle = null;
    armedFor = null;
    let next: number | null;
    try {
      await options.fire();
      next = await options.next();
    } catch (error) {
      options.onError?.(error);
      next = options.clock.now();
    }
    const now = options.clock.now();
    arm(next === null ? now + maxSleepMs : Math.max(next, next <= now ? now + STILL_DUE_RETRY_MS : next));
  };

  return {
    async start(): Promise<void> {
      stopped = false;
      arm((await options.next()) ?? options.clock.now() + maxSleepMs);
    },
    schedule(at: number): void {
      arm(at);
    },
    stop(): void {
      stopped = true;
      if (handle) clearTimeout(handle);
      handle = null;
    },
  };
}
