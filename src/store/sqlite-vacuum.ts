import type BetterSqlite3 from "better-sqlite3";
import { sql } from "kysely";
import type { Executor } from "./db.js";

/**
 * SQLite keeps the pages freed by DELETE in the file for reuse; without auto-vacuum the file
 * never shrinks. INCREMENTAL mode lets the pruner hand free pages back in small steps
 * (`reclaimFreePages`). The mode can only be chosen before the first table exists; an existing
 * file needs one full VACUUM to switch, done here once, at the first start of a version that has
 * it (a 700 MB file takes seconds; the mode is stored in the file, so it never runs again).
 * https://www.sqlite.org/pragma.html#pragma_auto_vacuum
 * This file is the SQLite-only part of retention; PostgreSQL reclaims space with autovacuum.
 */
const INCREMENTAL = 2;

export function enableIncrementalAutoVacuum(db: BetterSqlite3.Database): void {
  if (db.pragma("auto_vacuum", { simple: true }) === INCREMENTAL) return;
  db.pragma("auto_vacuum = INCREMENTAL");
  // A file without pages yet takes the mode as it is; any other (even an empty one whose header
  // the WAL switch wrote) only after a VACUUM rewrites it, instant while it holds nothing.
  if (db.pragma("auto_vacuum", { simple: true }) !== INCREMENTAL) db.exec("VACUUM");
}

/**
 * Gives free pages back to the file system, `pagesPerStep` at a time with a turn of the event
 * loop in between (each step is a short write); returns how many it gave back.
 */
export async function reclaimFreePages(
  db: BetterSqlite3.Database,
  options: { pagesPerStep: number; shouldStop(): boolean },
): Promise<number> {
  const freePages = () => db.pragma("freelist_count", { simple: true }) as number;
  const start = freePages();
  let left = start;
  while (left > 0 && !options.shouldStop()) {
    db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(options.pagesPerStep))})`);
    const now = freePages();
    if (now >= left) break;
    left = now;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return start - left;
}

/**
 * Runs `fn` with SQLite overwriting what it deletes with zeros, so an erased person's bytes do
 * not linger in free pages of the file (https://www.sqlite.org/pragma.html#pragma_secure_delete).
 * Only around erasures: on every delete it would cost I/O the pruner does not need. A connection
 * setting, so on SQLite's one connection it holds for the whole callback; other dialects run `fn`
 * as it is.
 */
export async function withSecureDelete<T>(exec: Executor, fn: () => Promise<T>): Promise<T> {
  if (exec.dialect !== "sqlite") return fn();
  const secureDelete = (on: boolean) => ({
    compile: () => (on ? sql`PRAGMA secure_delete = ON` : sql`PRAGMA secure_delete = OFF`).compile(exec.q),
  });
  await exec.all(secureDelete(true));
  try {
    return await fn();
  } finally {
    await exec.all(secureDelete(false));
  }
}
