import { closeSync, fdatasync, openSync } from "node:fs";
import type BetterSqlite3 from "better-sqlite3";

/**
 * Group commit: every write requested in the same event-loop turn runs in one transaction
 * (each in a savepoint, so one failing callback rolls back only its own changes) and one
 * COMMIT. Durable writes are answered after an fdatasync of the WAL on libuv's thread pool
 * (at most one in flight; commits landing meanwhile ride on the next one), replayable ones
 * right after the COMMIT. See README.md in this folder.
 */
export interface WriteOptions {
  /**
   * false: resolve once committed (visible, and safe from a process crash) without waiting for
   * the fsync. Only for writes that can be replayed from durable data after a power cut, such
   * as run progress between two effects.
   */
  durable?: boolean;
}

interface PendingWrite {
  isDurable: boolean;
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export function createWriteBatcher(db: BetterSqlite3.Database, walPath: string | null) {
  let walFd: number | null = null;
  // At most one fdatasync in flight. Commits that land while it runs wait for the next one,
  // which covers all of them: under load one fsync acknowledges hundreds of commits instead of
  // each batch queueing its own behind the others in libuv's thread pool.
  let isSyncing = false;
  let nextRound: Array<(error: Error | null) => void> = [];
  const startRound = (): void => {
    if (walPath === null || isSyncing || nextRound.length === 0) return;
    const round = nextRound;
    nextRound = [];
    isSyncing = true;
    walFd ??= openSync(walPath, "r");
    fdatasync(walFd, (error) => {
      isSyncing = false;
      for (const done of round) done(error);
      startRound();
    });
  };
  const syncWal = (done: (error: Error | null) => void): void => {
    if (walPath === null) {
      done(null);
      return;
    }
    nextRound.push(done);
    startRound();
  };
  let queue: PendingWrite[] = [];
  let scheduled = false;
  // Prepared once: db.exec() would re-parse these for every write in every batch.
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const savepoint = db.prepare("SAVEPOINT w");
  const release = db.prepare("RELEASE w");
  const rollbackTo = db.prepare("ROLLBACK TO w");

  const flushNow = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    try {
      begin.run();
      for (const item of batch) {
        savepoint.run();
        try {
          outcomes.push({ ok: true, value: item.fn() });
          release.run();
        } catch (error) {
          rollbackTo.run();
          release.run();
          outcomes.push({ ok: false, value: error });
        }
      }
      commit.run();
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      for (const item of batch) item.reject(error);
      return;
    }
    // The commit is in the WAL (safe from a process crash). Writes that must survive a power
    // cut are answered once it is on disk; replayable ones right away.
    const settle = (item: PendingWrite, i: number, error: Error | null) => {
      const outcome = outcomes[i];
      if (error) item.reject(error);
      else if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.value);
    };
    batch.forEach((item, i) => {
      if (!item.isDurable) settle(item, i, null);
    });
    if (batch.some((item) => item.isDurable)) {
      syncWal((error) => {
        batch.forEach((item, i) => {
          if (item.isDurable) settle(item, i, error);
        });
      });
    }
  };

  const write = <T>(fn: () => T, options: WriteOptions = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({
        fn,
        resolve: resolve as (v: unknown) => void,
        reject,
        isDurable: options.durable !== false,
      });
      if (!scheduled) {
        scheduled = true;
        // setImmediate runs after pending I/O callbacks: requests that arrived together commit together.
        setImmediate(flushNow);
      }
    });

  const close = (): void => {
    if (walFd !== null) closeSync(walFd);
    walFd = null;
  };
  return { write, flushNow, close };
}
