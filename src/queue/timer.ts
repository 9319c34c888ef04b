import type { Clock } from "../core/clock.js";

/**
 * Wakes the worker when the earliest waiting run times out. Timeouts live in the database
 * (`runs.timeout_at`), so the timer is only an optimisation: after a restart it re-reads them.
 */
const MAX_SLEEP_MS = 60_000;
/**
 * A timeout still due right after firing is being handled by its lane (or failed transiently
 * there): look again this much later instead of re-arming at 0 ms, which spun the event loop and
 * queued the same timeout again on every turn until the lane got to it.
 */
const STILL_DUE_RETRY_MS = 1_000;

export function createTimer(options: { clock: Clock; next(): number | null; fire(): void }) {
  let handle: NodeJS.Timeout | null = null;
  let armedFor: number | null = null;
  let stopped = false;

  const arm = (at: number | null): void => {
    if (stopped || at === null) return;
    if (handle && armedFor !== null && armedFor <= at) return;
    if (handle) clearTimeout(handle);
    armedFor = at;
    const delay = Math.max(0, Math.min(at - options.clock.now(), MAX_SLEEP_MS));
    handle = setTimeout(tick, delay);
    handle.unref();
  };

  const tick = (): void => {
    handle = null;
    armedFor = null;
    options.fire();
    const now = options.clock.now();
    const next = options.next();
    arm(next === null ? now + MAX_SLEEP_MS : Math.max(next, next <= now ? now + STILL_DUE_RETRY_MS : next));
  };

  return {
    start(): void {
      stopped = false;
      arm(options.next() ?? options.clock.now() + MAX_SLEEP_MS);
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
