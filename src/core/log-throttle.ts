import type { Clock } from "./clock.js";

/**
 * At most one log line per key per window. Used where a stranger controls how often a line is
 * written (rejected webhook signatures): the log must show the problem, not become the attack.
 * `allow` returns null while the window is closed, and otherwise the number of lines suppressed
 * since the last one written, to report with it.
 */
export function createLogThrottle(clock: Clock, windowMs = 60_000, maxKeys = 1_000) {
  const windows = new Map<string, { openedAt: number; suppressed: number }>();
  return {
    allow(key: string): number | null {
      const now = clock.now();
      const window = windows.get(key);
      if (window && now - window.openedAt < windowMs) {
        window.suppressed++;
        return null;
      }
      // Keys are channel ids that exist, but bound the map anyway.
      if (!window && windows.size >= maxKeys) windows.clear();
      windows.set(key, { openedAt: now, suppressed: 0 });
      return window?.suppressed ?? 0;
    },
  };
}
