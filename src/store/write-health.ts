import { isStorageFailure } from "./storage-failure.js";

/**
 * How long after a write failed for the storage's sake `/readyz` keeps answering 503 when no
 * write has succeeded since. Not forever: a load balancer that took the instance out sends no
 * more traffic, so no write would ever succeed to end it; after this quiet time traffic comes
 * back and the next writes tell again.
 */
export const WRITES_FAILING_HOLD_MS = 30_000;

/**
 * Whether the database takes writes, from the outcome of the writes themselves. A `SELECT 1`
 * answers while a full disk or a read-only file refuses every commit (an outside audit saw
 * `/readyz` say "ready" with every webhook answered 503); the last write's outcome does not.
 */
export interface WriteHealth {
  /** When the last write failed for the storage's sake, if no write succeeded since (and within the hold). */
  failingSince(): number | null;
  /** Follows one write's outcome; returns the same promise. */
  track<T>(write: Promise<T>): Promise<T>;
}

export function createWriteHealth(now: () => number = Date.now): WriteHealth {
  // The first failure of the current streak, and the latest (for the hold).
  let firstFailureAt: number | null = null;
  let lastFailureAt = 0;
  const succeeded = () => {
    firstFailureAt = null;
  };
  const failed = (error: unknown) => {
    // A callback's own error (a constraint, a bug) says nothing about the storage.
    if (!isStorageFailure(error)) return;
    lastFailureAt = now();
    firstFailureAt ??= lastFailureAt;
  };
  return {
    failingSince() {
      if (firstFailureAt !== null && now() - lastFailureAt > WRITES_FAILING_HOLD_MS) firstFailureAt = null;
      return firstFailureAt;
    },
    track(write) {
      write.then(succeeded, failed);
      return write;
    },
  };
}
