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
 * What every connection deletes with: FAST zeroes the bytes a delete or an update frees inside a
 * page at no extra I/O (the page is written anyway), so a row moved or removed by the hot path
 * (a merged-away contact, an index entry of a processed inbox row) leaves no readable copy behind
 * in a page that stays in use. Only pages freed whole keep their bytes: ON zeroes those too.
 * https://www.sqlite.org/pragma.html#pragma_secure_delete
 */
export const EVERYDAY_SECURE_DELETE = "FAST";

/**
 * Runs `fn` with SQLite overwriting what it deletes with zeros, whole freed pages too, so an
 * erased person's bytes do not linger in free pages of the file. Only around erasures: on every
 * delete it would cost I/O the pruner does not need. A connection setting, so on SQLite's one
 * connection it holds for the whole callback; other dialects run `fn` as it is.
 */
export async function withSecureDelete<T>(exec: Executor, fn: () => Promise<T>): Promise<T> {
  if (exec.dialect !== "sqlite") return fn();
  const secureDelete = (on: boolean) => ({
    compile: () =>
      (on
        ? sql`PRAGMA secure_delete = ON`
        : sql.raw(`PRAGMA secure_delete = ${EVERYDAY_SECURE_DELETE}`)
      ).compile(exec.q),
  });
  await exec.all(secureDelete(true));
  try {
    return await fn();
  } finally {
    await exec.all(secureDelete(false));
  }
}

/**
 * After an erasure, so that none of the erased bytes stays in the files: zeroes every free page
 * (pages that updates and pruning freed earlier keep the text they held, the erased person's too:
 * only `secure_delete = ON` zeroes a page it frees whole), then copies the WAL into the file and
 * truncates it to nothing (the WAL keeps every page version written since it last started over:
 * the erased messages stayed readable in `tern.db-wal` until later writes overwrote those frames).
 * Commits are held meanwhile (`holdWrites`); the work grows with the free pages (retention's).
 */
export async function forgetErased(
  db: BetterSqlite3.Database,
  holdWrites: () => Promise<() => void>,
): Promise<boolean> {
  const release = await holdWrites();
  try {
    wipeFreePages(db);
    const [result] = db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
    return result?.busy === 0;
  } finally {
    release();
  }
}

/**
 * A zero blob as large as the free list takes every free page (SQLite fills free pages before it
 * grows the file) and, dropped under `secure_delete = ON`, gives them back zeroed. One transaction:
 * the free list is the same before and after, only its pages' bytes change.
 */
function wipeFreePages(db: BetterSqlite3.Database): void {
  const freePages = () => db.pragma("freelist_count", { simple: true }) as number;
  if (freePages() === 0) return;
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  db.pragma("secure_delete = ON");
  try {
    db.transaction(() => {
      db.exec("CREATE TABLE tern_wipe (b BLOB)");
      const insert = db.prepare("INSERT INTO tern_wipe (b) VALUES (zeroblob(?))");
      for (let left = freePages(); left > 0; left = freePages()) insert.run(Math.min(left, 1_024) * pageSize);
      db.exec("DROP TABLE tern_wipe");
    })();
  } finally {
    db.pragma(`secure_delete = ${EVERYDAY_SECURE_DELETE}`);
  }
}
