import type { Clock } from "../core/clock.js";

/**
 * A token bucket per key (a client address), in memory: `capacity` attempts at once, one more
 * every `refillMs`. Used for failed sign-ins, so guessing a password takes years, not minutes.
 * Per process: with N processes behind a balancer an address gets N buckets, still a bounded rate.
 * At most `maxKeys` addresses are remembered; the oldest go first (a full bucket is no loss).
 */
export interface ThrottleOptions {
  clock: Clock;
  capacity: number;
  refillMs: number;
  maxKeys?: number;
}

export function createThrottle(options: ThrottleOptions) {
  const { clock, capacity, refillMs } = options;
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const level = (key: string): { tokens: number; at: number } => {
    const now = clock.now();
    const bucket = buckets.get(key);
    if (!bucket) return { tokens: capacity, at: now };
    const tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) / refillMs);
    return { tokens, at: now };
  };

  return {
    /** 0 when `key` may try now, else the ms until it may. */
    waitMs(key: string): number {
      const { tokens } = level(key);
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) * refillMs);
    },
    /** Spends one attempt of `key` (a failed sign-in). */
    spend(key: string): void {
      const next = level(key);
      next.tokens = Math.max(0, next.tokens - 1);
      buckets.delete(key);
      buckets.set(key, next);
      while (buckets.size > maxKeys) {
        const oldest = buckets.keys().next().value;
        if (oldest === undefined) break;
        buckets.delete(oldest);
      }
    },
  };
}
export type Throttle = ReturnType<typeof createThrottle>;
