import { closeSync, fdatasync, openSync } from "node:fs";
import type BetterSqlite3 from "better-sqlite3";
import type { WriteOptions } from "./db.js";

/**
 * Group commit: every write requested in the same event-loop turn runs in one transaction
 * (each in a savepoint, so one failing callback rolls back only its own changes) and one
 * COMMIT. Durable writes are answered after an fdatasync of the WAL on libuv's thread pool
 * (at most one in flight; commits landing meanwhile ride on the next one), replayable ones
 * right after the COMMIT. See README.md in this folder.
 *
 * Callbacks are async (one interface with PostgreSQL) but on SQLite they await only queries that
 * resolve at once, so a batch holds the connection for microtasks only. Each callback is awaited
 * before the next one starts: savepoints nest on one connection and must not interleave.
 */
interface PendingWrite<X> {
  isDurable: boolean;
  committed: ((value: unknown) => void) | undefined;
  fn: (tx: X) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export function createWriteBatcher<X>(
  db: BetterSqlite3.Database,
  tx: X,
  walPath: string | null,
  /** Throws when the file no longer is where it was opened (sqlite-file-check.ts): nothing commits. */
  assertFileInPlace: () => void = () => {},
) {
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
  let queue: PendingWrite<X>[] = [];
  let scheduled = false;
  // The batch being run, if any: a flush fired meanwhile (a callback awaiting more than SQLite,
  // or close()) waits for it instead of opening a second transaction on the same connection.
  let running: Promise<void> | null = null;
  // While the checkpointer holds commits (checkpointer.ts), flushes wait for this.
  let held: Promise<void> | null = null;
  // Prepared once: db.exec() would re-parse these for every write in every batch.
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const savepoint = db.prepare("SAVEPOINT w");
  const release = db.prepare("RELEASE w");
  const rollbackTo = db.prepare("ROLLBACK TO w");

  const runBatch = async (batch: PendingWrite<X>[]): Promise<void> => {
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    try {
      assertFileInPlace();
      begin.run();
      if (batch.length === 1) {
        // Alone in its transaction: a failing callback rolls the whole of it back, so it needs
        // no savepoint (two statements fewer; most batches of a conversation's chain are one).
        const only = batch[0] as PendingWrite<X>;
        try {
          outcomes.push({ ok: true, value: await only.fn(tx) });
        } catch (error) {
          if (db.inTransaction) db.exec("ROLLBACK");
          only.reject(error);
          return;
        }
      } else {
        for (const item of batch) {
          savepoint.run();
          try {
            outcomes.push({ ok: true, value: await item.fn(tx) });
            release.run();
          } catch (error) {
            // SQLite rolled the whole transaction back (SQLITE_FULL, an I/O error): the writes
            // before this one are gone too, and ROLLBACK TO would fail with "no such savepoint",
            // which every write of the batch then got instead of the storage error (a 500, not 503).
            if (!db.inTransaction) throw error;
            rollbackTo.run();
            release.run();
            outcomes.push({ ok: false, value: error });
          }
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
    const settle = (item: PendingWrite<X>, i: number, error: Error | null) => {
      const outcome = outcomes[i];
      if (error) item.reject(error);
      else if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.value);
    };
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok && item.committed) {
        // The write stands whatever its hook does: a hook that throws must not leave the other
        // writes of the batch unanswered.
        try {
          item.committed(outcome.value);
        } catch {}
      }
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

  /** Runs what is queued now, after the batch in progress (if any). Resolves once committed. */
  const flushNow = async (): Promise<void> => {
    scheduled = false;
    while (running || held) await (running ?? held);
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    running = runBatch(batch).finally(() => {
      running = null;
    });
    await running;
    // Writes that waited for one of this batch's replayable writes (a run's next write, chained
    // on its last: queue/run-writer.ts) are requested while the commit's resolutions run as
    // microtasks. A tick runs after all of them: commit those in a follow-up transaction now
    // instead of an event-loop turn later (setImmediate from here is the next iteration).
    if (followUps < MAX_FOLLOW_UPS) process.nextTick(followUp);
  };
  // Follow-ups chain only as deep as writes wait on writes; bounded all the same, so that one
  // turn never keeps the event loop from I/O for long (then the next turn takes the rest).
  const MAX_FOLLOW_UPS = 8;
  let followUps = 0;
  const followUp = (): void => {
    if (queue.length === 0 || running) return;
    followUps += 1;
    void flushNow();
  };

  const write = <T>(fn: (tx: X) => Promise<T>, options: WriteOptions<T> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({
        fn,
        resolve: resolve as (v: unknown) => void,
        reject,
        isDurable: options.durable !== false,
        committed: options.committed as ((value: unknown) => void) | undefined,
      });
      if (!scheduled) {
        scheduled = true;
        // setImmediate runs after pending I/O callbacks: requests that arrived together commit together.
        setImmediate(() => {
          followUps = 0;
          void flushNow();
        });
      }
    });

  /** Holds commits from now on; resolves, once the batch in progress has committed, to the release. */
  const hold = async (): Promise<() => void> => {
    let release = (): void => {};
    const previous = held;
    held = new Promise<void>((resolve) => {
      release = () => {
        if (held === mine) held = null;
        resolve();
      };
    });
    const mine = held;
    await previous;
    while (running) await running;
    return release;
  };

  const close = (): void => {
    if (walFd !== null) closeSync(walFd);
    walFd = null;
  };
  return { write, flushNow, hold, close };
}
