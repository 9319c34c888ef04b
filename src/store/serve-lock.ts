import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";

/**
 * One `tern serve` per SQLite data directory. Two on the same file each ran their own lanes and
 * timers: a conversation whose messages reached both (a load balancer, a second copy started by
 * hand or by a rolling update) was advanced by both at once, and a Salesforce create that one of
 * them had in flight was not found by the other's reconcile and made again: 29 of 30 customers
 * got two Leads. The embedded store has no turn across processes (PostgreSQL has); the second
 * serve now refuses to start instead.
 *
 * The lock is an exclusive lock on a small SQLite file beside the database, held by a connection
 * until it closes: the operating system releases it when the process ends, however it ends (no
 * stale pid file after a crash or a SIGKILL), and the database itself stays open to readers such
 * as a backup (`VACUUM INTO`).
 */
export interface ServeLock {
  release(): void;
}

export const SERVE_LOCK_FILE = "serve.lock";

/**
 * A `tern serve` of a release before the lock holds no `serve.lock`, so in an upgrade the new one
 * would start beside an old one still running. Every connection to a WAL database holds a shared
 * lock on its file while open: an exclusive lock taken and let go at once says none is open.
 */
function refuseIfDatabaseOpen(root: string, databaseFile: string): void {
  if (!existsSync(databaseFile)) return;
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(databaseFile, { fileMustExist: true });
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE; COMMIT");
  } catch (error) {
    // Anything else (not a database, no permission, a full disk) the store's open says better.
    if (!/^SQLITE_BUSY/.test(String((error as { code?: unknown }).code))) return;
    throw new Error(
      `Another process has ${databaseFile} open: a tern serve of an earlier release (it holds no ` +
        `${SERVE_LOCK_FILE}), or a backup or sqlite3 shell reading it. Stop it, then start again: ` +
        `one tern serve runs per data directory (${root}).`,
    );
  } finally {
    try {
      db?.close();
    } catch {
      // Closing checkpoints the log; what fails there, the store's open meets and says.
    }
  }
}

export function lockDataDirectory(root: string): ServeLock {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const file = path.join(root, SERVE_LOCK_FILE);
  // Owner-only, like everything else in the data directory.
  closeSync(openSync(file, "a", 0o600));
  const db = new BetterSqlite3(file);
  try {
    // No journal file beside it: the lock writes nothing worth one. Not OFF: better-sqlite3 opens
    // connections in defensive mode, which refuses journal_mode=OFF and kept a serve.lock-journal.
    db.pragma("journal_mode = MEMORY");
    db.pragma("locking_mode = EXCLUSIVE");
    // Takes the lock and keeps it after the commit (exclusive locking mode); writes nothing.
    db.exec("BEGIN EXCLUSIVE; COMMIT");
  } catch (error) {
    db.close();
    if (!/^SQLITE_BUSY/.test(String((error as { code?: unknown }).code))) throw error;
    throw new Error(
      `Another tern serve is running on ${root} (it holds ${file}): stop it first. ` +
        "With the embedded SQLite store one tern serve runs per data directory; for more processes, use PostgreSQL (docs/deployment.md).",
    );
  }
  try {
    refuseIfDatabaseOpen(root, path.join(root, "tern.db"));
  } catch (error) {
    db.close();
    throw error;
  }
  return { release: () => db.close() };
}
