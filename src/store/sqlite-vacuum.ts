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
 * Commits are held a chunk at a time (`holdWrites`); the work grows with the free pages (retention's).
 */
export async function forgetErased(
  db: BetterSqlite3.Database,
  holdWrites: () => Promise<() => void>,
): Promise<boolean> {
  await wipeFreePages(db, holdWrites);
  const release = await holdWrites();
  try {
    const [result] = db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
    return result?.busy === 0;
  } finally {
    release();
  }
}

/** Pages claimed or zeroed per transaction: 1 MB at SQLite's 4 KB pages, tens of ms of held commits. */
const WIPE_CHUNK_PAGES = 256;

/**
 * Zero blobs as large as the free list claim its pages (SQLite fills free pages before it grows
 * the file; inserting a zero blob does not write them), and deleting them under
 * `secure_delete = ON` writes zeros over them as they go back to the free list. A chunk per
 * transaction, each under its own hold of the writer with a turn of the event loop in between:
 * in one transaction, 200 MB of free pages held every webhook's commit (and the event loop) for
 * 2.5 s. Only the pages free when it starts can hold the erased bytes: it claims as many (fewer
 * when other writes take some meanwhile; SQLite zeroes a b-tree page it reuses, as
 * `secure_delete` is never off here).
 */
async function wipeFreePages(
  db: BetterSqlite3.Database,
  holdWrites: () => Promise<() => void>,
): Promise<void> {
  const freePages = () => db.pragma("freelist_count", { simple: true }) as number;
  let toClaim = freePages();
  if (toClaim === 0) return;
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const step = async (fn: () => void) => {
    const release = await holdWrites();
    try {
      db.transaction(fn)();
    } finally {
      release();
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  // A table left by a wipe a crash cut short is reused: its rows are zeroed below with the rest.
  await step(() => db.exec("CREATE TABLE IF NOT EXISTS tern_wipe (b BLOB)"));
  const claim = db.prepare("INSERT INTO tern_wipe (b) VALUES (zeroblob(?))");
  while (toClaim > 0) {
    let pages = 0;
    await step(() => {
      pages = Math.min(freePages(), toClaim, WIPE_CHUNK_PAGES);
      if (pages > 0) claim.run(pages * pageSize);
    });
    if (pages === 0) break;
    toClaim -= pages;
  }
  const rows = db.prepare("SELECT rowid FROM tern_wipe").pluck().all() as number[];
  const zero = db.prepare("DELETE FROM tern_wipe WHERE rowid = ?");
  db.pragma("secure_delete = ON");
  try {
    for (const rowid of rows) await step(() => zero.run(rowid));
  } finally {
    db.pragma(`secure_delete = ${EVERYDAY_SECURE_DELETE}`);
  }
  await step(() => db.exec("DROP TABLE tern_wipe"));
}
