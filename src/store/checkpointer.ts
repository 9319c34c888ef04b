import { statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * SQLite's automatic WAL checkpoint runs inside whichever COMMIT crosses the threshold, which
 * stalls the event loop (and every webhook waiting on it) for tens of milliseconds. Tern turns
 * it off on the main connection and checkpoints from a background thread with its own
 * connection instead. https://www.sqlite.org/wal.html#automatic_checkpoint
 *
 * The thread (a V8 isolate: ~10 MB of RSS) runs only while the database is written: it ends
 * after `idleChecks` checkpoints in a row found nothing new, and starts again when the WAL
 * file changes (a stat per interval, whoever wrote it).
 *
 * Under a sustained load one passive checkpoint never catches up: commits land while it copies,
 * so the WAL is never wholly checkpointed, SQLite never starts it over, and the file grows
 * without bound (685 MB in a 20 s ack bench; every commit then extends the file, which makes
 * each fdatasync a journal commit too; a 10,000-conversation burst left 2 MB of RSS in the
 * mapped WAL index). So each checkpoint is followed by catch-up passes until the writer starts
 * the WAL over by itself. Should that fail past `restartBytes` (another process reading), the
 * thread asks the writer to hold its commits ("hold" → "held"), checkpoints the tail that is
 * left, and lets the writer go ("release"): the next commit starts the WAL over. A hold pauses
 * commits only; the event loop keeps taking requests.
 *
 * A WAL started over keeps its file's size. Truncating it inside the writer's COMMIT (SQLite's
 * `journal_size_limit`) stalled the event loop: 144 ms to cut a 1 GB WAL to 64 MB on an ext4
 * mounted with `discard`. The thread trims the file to nothing instead, once writes have paused
 * for `idleChecks` intervals, under a hold so that no commit waits on a lock meanwhile.
 */
const WORKER_SOURCE = `
const { statSync } = require("node:fs");
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 5000");
const frameBytes = db.pragma("page_size", { simple: true }) + 24;
let quiet = 0;
let lastLog = -1;
const pause = new Int32Array(new SharedArrayBuffer(4));
const pass = () => db.pragma("wal_checkpoint(PASSIVE)")[0];
// Catch-up passes: each copies only what the writer added during the one before, and SQLite
// starts the WAL over at the first write transaction that begins with every frame copied. A
// transaction the writer had begun before that point appends instead, so passes go on, a few
// ms apart, until the log is seen started over or unchanged (the writer paused), or a bounded
// number of them found the writer never pausing (a hold then starts the WAL over).
const catchUp = (r) => {
  let unchanged = 0;
  for (let i = 0; i < workerData.catchUpPasses && r.busy === 0 && r.checkpointed === r.log && r.log > 0; i++) {
    Atomics.wait(pause, 0, 0, workerData.catchUpGapMs);
    const next = pass();
    const isStartedOver = next.log < r.log;
    unchanged = next.log === r.log ? unchanged + 1 : 0;
    r = next;
    if (isStartedOver || unchanged >= 3) break;
  }
  return r;
};
// What a checkpoint found: whether the WAL was wholly copied and unchanged since the last one.
const record = (r) => {
  const isCaughtUp = r.busy === 0 && r.log === r.checkpointed && r.log === lastLog;
  lastLog = r.log;
  return isCaughtUp;
};
// Whether the WAL took frames since the checkpoint before, or holds some not checkpointed: if
// neither, the next commit starts it over by itself, and holding the writer would gain nothing.
const isWritten = (r) => r.log !== lastLog || r.checkpointed < r.log;
const walFileBytes = () => {
  try { return statSync(workerData.path + "-wal").size; } catch { return 0; }
};
// "start over": a hold under writes that never pause; "trim": a hold once writes have paused,
// in which the file is truncated to nothing here, never inside the writer's COMMIT.
let holding = null;
// Holds at least holdGapMs apart: should a start-over not happen (another process reading the
// file), the writer is not held every interval.
const HOLD_GAP = Math.ceil(workerData.holdGapMs / workerData.intervalMs);
let sinceHold = HOLD_GAP;
const hold = (kind) => {
  holding = kind;
  sinceHold = 0;
  parentPort.postMessage("hold");
};
// Once per quiet spell: a trim that found a reader in the way is not retried every interval.
let isTrimTried = false;
const timer = setInterval(() => {
  if (holding) return;
  sinceHold += 1;
  let r;
  try {
    r = pass();
  } catch {
    quiet = 0;
    return;
  }
  const isOverRestart = r.log * frameBytes > workerData.restartBytes;
  if (workerData.restartBytes > 0 && isOverRestart && sinceHold >= HOLD_GAP && isWritten(r)) {
    record(r);
    quiet = 0;
    hold("start over");
    return;
  }
  try {
    r = catchUp(r);
  } catch {}
  quiet = record(r) ? quiet + 1 : 0;
  if (quiet === 0) isTrimTried = false;
  if (quiet >= workerData.idleChecks) {
    if (!isTrimTried && walFileBytes() > 0) {
      isTrimTried = true;
      hold("trim");
    } else parentPort.postMessage("idle");
  }
}, workerData.intervalMs);
// One pass under a hold (nothing is added meanwhile) and when stopping.
const checkpoint = () => {
  try {
    record(pass());
  } catch {}
};
parentPort.on("message", (m) => {
  if (m === "held") {
    if (holding === "trim") {
      // Without waiting: TRUNCATE waits for readers holding SQLite's write lock, and a reader of
      // another process (a backup) would then stall the writer's next commit in its busy handler.
      db.pragma("busy_timeout = 0");
      try {
        if (db.pragma("wal_checkpoint(TRUNCATE)")[0].busy === 0) lastLog = 0;
      } catch {}
      db.pragma("busy_timeout = 5000");
    } else checkpoint();
    holding = null;
    parentPort.postMessage("release");
  }
  if (m === "stop") {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.postMessage("stopped");
  }
});
`;

export interface Checkpointer {
  /** Whether the background thread runs now (tests). */
  isRunning(): boolean;
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  intervalMs?: number;
  /** Checkpoints in a row that found nothing new before the thread ends. */
  idleChecks?: number;
  /** A WAL holding more than this is started over by a hold (0: never; see above). */
  restartBytes?: number;
  /** The shortest time between two holds (default 2 s). */
  holdGapMs?: number;
  /** Holds the writer's commits; resolves, once no commit is in progress, to the release. */
  holdWrites?: () => Promise<() => void>;
}

/**
 * A WAL holding more than this is started over by a hold: only a writer that never pauses between
 * commits gets there (catch-up passes start the WAL over otherwise). A hold pauses commits for one
 * short pass and two fsyncs: 1–2 ms under the ack bench's load, at most one per `holdGapMs`.
 */
export const WAL_RESTART_BYTES = 64 * 1024 * 1024;
/** The longest a hold may last, should the thread never answer (a crash, a stuck checkpoint). */
const MAX_HOLD_MS = 2_000;

export function startCheckpointer(path: string, options: CheckpointerOptions = {}): Checkpointer {
  const { intervalMs = 1_000, idleChecks = 5, restartBytes = 0, holdGapMs = 2_000, holdWrites } = options;
  const walPath = `${path}-wal`;
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  let worker: Worker | null = null;
  let isStopped = false;
  let stopping: Promise<void> = Promise.resolve();
  // The WAL's mtime when the thread last ended: a different one means new writes.
  let seenMtimeMs = -1;
  const walMtimeMs = () => {
    try {
      return statSync(walPath).mtimeMs;
    } catch {
      return -1;
    }
  };
  const stopWorker = (w: Worker): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = () => {
        void w.terminate().then(() => resolve());
      };
      const onMessage = (m: unknown) => {
        if (m !== "stopped") return;
        w.off("message", onMessage);
        done();
      };
      w.on("message", onMessage);
      w.once("error", done);
      w.postMessage("stop");
    });
  // The release of the writer's hold, while one is on: called once, whatever ends it.
  let releaseHold: (() => void) | null = null;
  const endHold = () => {
    const release = releaseHold;
    releaseHold = null;
    release?.();
  };
  const beginHold = (w: Worker) => {
    if (!holdWrites || releaseHold) {
      w.postMessage("held");
      return;
    }
    let isEnded = false;
    releaseHold = () => {
      isEnded = true;
    };
    void holdWrites().then((release) => {
      const guard = setTimeout(endHold, MAX_HOLD_MS);
      guard.unref();
      const end = () => {
        clearTimeout(guard);
        release();
      };
      // Ended before the writer was idle (a stop or the thread's exit): let it go at once.
      if (isEnded) return end();
      releaseHold = end;
      w.postMessage("held");
    });
  };
  const start = () => {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        intervalMs,
        idleChecks,
        restartBytes,
        holdGapMs,
        driver,
        catchUpPasses: 10,
        catchUpGapMs: 2,
      },
    });
    w.unref();
    w.on("message", (m) => {
      if (worker !== w) return;
      if (m === "hold") beginHold(w);
      else if (m === "release") endHold();
      else if (m === "idle") {
        worker = null;
        seenMtimeMs = walMtimeMs();
        stopping = stopWorker(w);
      }
    });
    w.once("exit", endHold);
    worker = w;
  };
  start();
  const watch = setInterval(() => {
    if (worker !== null || isStopped) return;
    void stat(walPath).then(
      (s) => {
        if (worker === null && !isStopped && s.mtimeMs !== seenMtimeMs) start();
      },
      () => {},
    );
  }, intervalMs);
  watch.unref();
  return {
    isRunning: () => worker !== null,
    async stop() {
      isStopped = true;
      endHold();
      clearInterval(watch);
      const w = worker;
      worker = null;
      if (w) await stopWorker(w);
      await stopping;
    },
  };
}
