import type { Clock } from "../core/clock.js";

/**
 * Wakes the worker when the earliest waiting run times out. Timeouts live in the database
 * (`runs.timeout_at`), so the timer is only an optimisation: after a restart it re-reads them.
 */
const MAX_SLEEP_MS = 60_000;

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
    arm(options.next() ?? options.clock.now() + MAX_SLEEP_MS);
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
