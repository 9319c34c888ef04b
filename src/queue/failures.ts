import { isAppError } from "../core/app-error.js";
import { isStorageFailure } from "../store/storage-failure.js";

export { isStorageFailure };

/**
 * How the worker tells failures apart. A failure that says nothing about the message (storage
 * busy or full, an error whose retry hint allows another try) is retried with back-off a bounded
 * number of times; anything else — a channel that no longer exists, a bug (a TypeError is not an
 * AppError) — will fail the same way every time, so the message is dead-lettered at once and the
 * conversation moves on (queue/README.md, "Poison messages").
 */

/** Thrown by the run's host when the run was ended or failed elsewhere while a step was in memory. */
export class RunNotActiveError extends Error {
  constructor(readonly runId: string) {
    super(`Run ${runId} is no longer active: it was ended elsewhere`);
    this.name = "RunNotActiveError";
  }
}

/**
 * Thrown by a run's host when this process gave the conversation's job back (PostgreSQL: it was
 * presumed dead, or stopped past its grace period): another process may be running the
 * conversation, so nothing more leaves or is written from here, and nothing is counted as failed.
 */
export class HandedBackError extends Error {
  constructor() {
    super("this process handed the conversation's job back; another process continues it");
    this.name = "HandedBackError";
  }
}

/**
 * The turn is over for this process (the run was ended elsewhere, or the conversation handed
 * back): not the effect's failure. Recorded as one, a send's key would be failed for good, and
 * the next holder's replay of the step would fail instead of sending.
 */
export const isTurnOver = (error: unknown): boolean =>
  error instanceof HandedBackError || error instanceof RunNotActiveError;

/** Thrown into a lane to stop it after a transient failure; the worker pokes it again later. */
export class RetryLater extends Error {
  constructor(override readonly cause: unknown) {
    super("processing deferred after a transient failure");
    this.name = "RetryLater";
  }
}

/** Attempts at one inbox row in this process before it is dead-lettered anyway. */
export const MAX_PROCESSING_ATTEMPTS = 5;

export function isTransient(error: unknown): boolean {
  if (isStorageFailure(error)) return true;
  return isAppError(error) && error.retry !== "never";
}

/** 1 s, 4 s, 16 s, 60 s… after the n-th failed attempt. */
export function retryDelayMs(attempt: number): number {
  return Math.min(1_000 * 4 ** (attempt - 1), 60_000);
}

/**
 * 1 s, 2 s, 4 s, 8 s, then every 10 s, while the database fails: a failed attempt costs one
 * refused connection, and conversations go on within seconds of its return, not a minute.
 */
export function storageRetryDelayMs(attempt: number): number {
  return Math.min(1_000 * 2 ** (attempt - 1), 10_000);
}
