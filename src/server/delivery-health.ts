import { isStorageFailure } from "../store/storage-failure.js";

/**
 * How long after a delivery could not be stored for the storage's sake `/readyz` answers 503.
 * Deliveries stored meanwhile do not end it: under a partial failure (a lock on the inbox, a
 * disk with room for some pages) some go through while others are refused, and the instance
 * should not get the provider's traffic back and forth. Not longer: a load balancer that took
 * the instance out sends nothing more, so after this quiet time traffic comes back and the
 * next deliveries tell again.
 */
export const DELIVERY_FAILURE_HOLD_MS = 10_000;

/**
 * Whether this process can store webhook deliveries, from the outcome of storing them: a
 * `SELECT 1` answers while a full disk, a read-only database or a lock held by maintenance
 * refuses every delivery, and `/readyz` said "ready" with every webhook answered 503. Only the
 * deliveries' writes count: a worker's writes to other tables may go through meanwhile and say
 * nothing about whether this instance should get the provider's traffic.
 */
export interface DeliveryHealth {
  /** When the current run of storage failures began (each within the hold of the one before), or null. */
  failingSince(): number | null;
  /** Follows one delivery's write; returns the same promise. */
  track<T>(write: Promise<T>): Promise<T>;
}

// A serialization failure or a deadlock is the database's normal answer to concurrent writes
// (the delivery is answered 503 and sent again), not a sign that it refuses them.
const CONCURRENCY = /^40(001|P01)$/;

export function createDeliveryHealth(now: () => number = Date.now): DeliveryHealth {
  let firstFailureAt = 0;
  let lastFailureAt: number | null = null;
  const failed = (error: unknown) => {
    if (!isStorageFailure(error) || CONCURRENCY.test(String((error as { code?: unknown }).code))) return;
    const at = now();
    if (lastFailureAt === null || at - lastFailureAt > DELIVERY_FAILURE_HOLD_MS) firstFailureAt = at;
    lastFailureAt = at;
  };
  return {
    failingSince() {
      if (lastFailureAt === null || now() - lastFailureAt > DELIVERY_FAILURE_HOLD_MS) return null;
      return firstFailureAt;
    },
    track(write) {
      write.catch(failed);
      return write;
    },
  };
}
