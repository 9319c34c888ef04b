import type { Clock } from "../core/clock.js";

/**
 * A token bucket per key (a client address), in memory: `capacity` attempts at once, one more
 * every `refillMs`. Used for failed sign-ins, so guessing a password takes years, not minutes.
 * Per process: with N processes behind a balancer an address gets N buckets, still a bounded rate.
 *
 * At most `maxKeys` addresses are remembered. Only a bucket that has refilled is forgotten (no
 * loss: a new one is as full). Forgetting the oldest bucket whatever its level let a client with
 * many addresses (an IPv6 /48 holds 65,536 /64s) push its own drained buckets out and start every
 * address afresh: unlimited guesses. When every remembered address is still locked out, the
 * addresses not remembered share one bucket until room frees up.
 */
export interface ThrottleOptions {
  clock: Clock;
  capacity: number;
  refillMs: number;
  maxKeys?: number;
}

/** The shared bucket of addresses that found the table full (no client address looks like it). */
const OVERFLOW = "\u0000overflow";

export function createThrottle(options: ThrottleOptions) {
  const { clock, capacity, refillMs } = options;
  const maxKeys = options.maxKeys ?? 10_000;
  /** Insertion order is the order of last spending (spend re-inserts), oldest first. */
  const buckets = new Map<string, { tokens: number; at: number }>();

  const level = (key: string): { tokens: number; at: number } => {
    const now = clock.now();
    const bucket = buckets.get(key);
    if (!bucket) return { tokens: capacity, at: now };
    // A clock stepped back (NTP, a VM resumed) refills from the step on: counted negative, an
    // hour's step locked the right credential out for an hour after one wrong guess.
    if (now < bucket.at) bucket.at = now;
    const tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) / refillMs);
    return { tokens, at: now };
  };

  /** Forgets the buckets last spent long enough ago to be full again, oldest first. */
  const forgetRefilled = (): void => {
    const now = clock.now();
    for (const [key, bucket] of buckets) {
      if (now - bucket.at < capacity * refillMs) return;
      buckets.delete(key);
    }
  };

  /** The bucket `key` counts in: its own, or the shared one while the table is full. */
  const bucketKey = (key: string): string => {
    if (buckets.has(key)) return key;
    if (buckets.size - (buckets.has(OVERFLOW) ? 1 : 0) >= maxKeys) forgetRefilled();
    return buckets.size - (buckets.has(OVERFLOW) ? 1 : 0) >= maxKeys ? OVERFLOW : key;
  };

  return {
    /** 0 when `key` may try now, else the ms until it may. */
    waitMs(key: string): number {
      const { tokens } = level(bucketKey(key));
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) * refillMs);
    },
    /** Spends one attempt of `key` (a failed sign-in). */
    spend(key: string): void {
      const counted = bucketKey(key);
      const next = level(counted);
      next.tokens = Math.max(0, next.tokens - 1);
      buckets.delete(counted);
      buckets.set(counted, next);
    },
  };
}
export type Throttle = ReturnType<typeof createThrottle>;
