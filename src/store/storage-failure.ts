import { isAppError } from "../core/app-error.js";

/**
 * node-postgres's own errors for a connection that broke or could not be had: they carry no
 * SQLSTATE (pg/lib/client.js, pg-pool/index.js). An outside audit terminated the backends and saw
 * such errors dead-letter answers and fail runs as if the message were at fault.
 */
const PG_CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Query read timeout)/;

/**
 * SQLSTATEs of a server that will not take a connection now: the database refuses connections
 * (`ALLOW_CONNECTIONS false`, 55000 — only with that message: the class holds other errors),
 * does not exist or was dropped (3D000, 57P04: a restore, a failover that is not done), or the
 * credentials were refused (28000, 28P01: a password being rotated). Not the message's fault.
 */
const CANNOT_CONNECT = /^(3D000|57P04|28000|28P01)$/;
/**
 * 25006: a write in a read-only transaction. Tern never opens one, so the server takes reads only:
 * a failover onto a server not promoted yet, a standby behind a stale DNS name, a database set
 * `default_transaction_read_only` for maintenance. Webhooks were answered 500 then (database-outage.test.ts).
 */
const READ_ONLY = "25006";
/**
 * 57014 (a statement cancelled: `statement_timeout`, `pg_cancel_backend`) and 55P03 (`lock_timeout`):
 * the database's load or an operator's maintenance (a lock held by `VACUUM FULL`, `ALTER TABLE`),
 * not the message. Counted as the message's, they would dead-letter customers' messages at once.
 * (Tern sets a lock_timeout only around its job-queue collection, which handles 55P03 itself.)
 */
const CANCELLED = /^(57014|55P03)$/;
const NOT_ACCEPTING_CONNECTIONS = /is not currently accepting connections/;
const FILE_SYSTEM_FAILURE = /^(EIO|ENOSPC|EDQUOT|EROFS)$/;

/**
 * The storage failed, not the message or the step: it is worth trying the same work again later.
 * better-sqlite3's SqliteError for the disk or the lock (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR,
 * SQLITE_READONLY… — a file made read-only, or moved away while open;
 * not a constraint or SQL error, which would fail the same way again);
 * PostgreSQL's SQLSTATE classes 08 (connection), 40 (serialization, deadlock), 53 (resources) and
 * 57P (server shutting down), a server that refuses connections (above), a refused or reset
 * socket, a file system that fails or is full, and a lost pg connection likewise.
 *
 * An AppError says for itself what it is, with one exception: `INTERNAL` is what `toAppError`
 * makes of an error nobody expected, and its cause is then the real error (a storage failure
 * inside a step's own bookkeeping must retry the turn, not fail the step).
 */
export function isStorageFailure(error: unknown): boolean {
  let depth = 0;
  for (let e: unknown = error, seen = 0; e instanceof Error && seen < 6; e = e.cause, seen++) {
    if (isAppError(e)) {
      if (e.code !== "INTERNAL") return false;
      continue; // a wrapper: what it wraps is judged as if thrown itself
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (
        /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|NOMEM|INTERRUPT|READONLY)/.test(code) ||
        /^(08|40|53)[0-9A-Z]{3}$/.test(code) ||
        /^57P0[1-3]$/.test(code) ||
        CANNOT_CONNECT.test(code) ||
        code === READ_ONLY ||
        CANCELLED.test(code) ||
        (code === "55000" && NOT_ACCEPTING_CONNECTIONS.test(e.message)) ||
        // The database's socket, as pg throws it; inside a cause it may be any HTTP call's (a
        // `fetch failed` of an adapter), which is the step's to judge, not the storage's.
        (depth === 0 && (code === "ECONNREFUSED" || code === "ECONNRESET")) ||
        // The WAL's fdatasync (write-batcher.ts) on a failing or full disk, likewise ours at depth 0.
        (depth === 0 && FILE_SYSTEM_FAILURE.test(code))
      )
        return true;
    } else if (PG_CONNECTION_LOST.test(e.message)) {
      return true;
    }
    depth++;
  }
  return false;
}
