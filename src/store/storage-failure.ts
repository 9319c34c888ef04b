import { isAppError } from "../core/app-error.js";

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
        // The database's socket, as pg throws it; inside a cause it may be any HTTP call's (a
        // `fetch failed` of an adapter), which is the step's to judge, not the storage's.
        (depth === 0 && (code === "ECONNREFUSED" || code === "ECONNRESET"))
      )
        return true;
    } else if (PG_CONNECTION_LOST.test(e.message)) {
      return true;
    }
  }
  return false;
}
