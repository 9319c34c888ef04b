import { isAppError } from "../core/app-error.js";

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
  if (isAppError(error)) return error.retry !== "never";
  return isStorageFailure(error);
}

/**
 * node-postgres's own errors for a connection that broke or could not be had: they carry no
 * SQLSTATE (pg/lib/client.js, pg-pool/index.js). An outside audit terminated the backends and saw
 * such errors dead-letter answers and fail runs as if the message were at fault.
 */
const PG_CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Query read timeout)/;

/**
 * The storage failed, not the message or the step: it is worth trying the same work again later.
 * better-sqlite3's SqliteError for the disk or the lock (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR…;
 * not a constraint or SQL error, which would fail the same way again);
 * PostgreSQL's SQLSTATE classes 08 (connection), 40 (serialization, deadlock), 53 (resources) and
 * 57P (server shutting down), a refused or reset socket, and a lost pg connection likewise.
 */
export function isStorageFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (isAppError(e)) return false;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (
        /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|NOMEM|INTERRUPT)/.test(code) ||
        /^(08|40|53)[0-9A-Z]{3}$/.test(code) ||
        /^57P0[1-3]$/.test(code) ||
        code === "ECONNREFUSED" ||
        code === "ECONNRESET"
      )
        return true;
    } else if (PG_CONNECTION_LOST.test(e.message)) {
      return true;
    }
  }
  return false;
}

/** 1 s, 4 s, 16 s, 60 s… after the n-th failed attempt. */
export function retryDelayMs(attempt: number): number {
  return Math.min(1_000 * 4 ** (attempt - 1), 60_000);
}
