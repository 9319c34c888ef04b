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
 * Under a sustained load the passive checkpoint never catches up: commits land while it copies,
 * so the WAL is never wholly checkpointed, SQLite never starts it over, and the file grows
 * without bound (685 MB in a 20 s ack bench; every commit then extends the file, which makes
 * each fdatasync a journal commit too). Past `restartBytes` the thread asks the writer to hold
 * its commits ("hold" → "held"), checkpoints the tail that is left (the frames of the last
 * second), and lets the writer go ("release"): the next commit starts the WAL over from its
 * beginning (and `journal_size_limit` trims the file). The hold pauses commits only, for one
 * checkpoint of that tail; the event loop keeps taking requests.
 */
const WORKER_SOURCE = `
const { statSync } = require("node:fs");
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 5000");
let quiet = 0;
let lastLog = -1;
// Whether the WAL took frames since the checkpoint before, or holds some not checkpointed: if
// neither, the next commit starts it over by itself, and holding the writer would gain nothing.
let isWritten = false;
const checkpoint = () => {
  try {
    const r = db.pragma("wal_checkpoint(PASSIVE)")[0];
    const isCaughtUp = r.busy === 0 && r.log === r.checkpointed && r.log === lastLog;
    isWritten = r.log !== lastLog || r.checkpointed < r.log;
    lastLog = r.log;
    return isCaughtUp;
  } catch { return false; }
};
const walBytes = () => {
  try { return statSync(workerData.path + "-wal").size; } catch { return 0; }
};
let isAwaitingHold = false;
// Holds at least holdGapMs apart: should a start-over not happen (another process reading the
// file), the writer is not held every interval.
const HOLD_GAP = Math.ceil(workerData.holdGapMs / workerData.intervalMs);
let sinceHold = HOLD_GAP;
const timer = setInterval(() => {
  if (isAwaitingHold) return;
  quiet = checkpoint() ? quiet + 1 : 0;
  sinceHold += 1;
  if (workerData.restartBytes > 0 && isWritten && sinceHold >= HOLD_GAP && walBytes() > workerData.restartBytes) {
    isAwaitingHold = true;
    sinceHold = 0;
    parentPort.postMessage("hold");
  } else if (quiet >= workerData.idleChecks) parentPort.postMessage("idle");
}, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m === "held") {
    checkpoint();
    isAwaitingHold = false;
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
  /** A WAL file larger than this is started over (0: never; see above). */
  restartBytes?: number;
  /** The shortest time between two holds (default 10 s). */
  holdGapMs?: number;
  /** Holds the writer's commits; resolves, once no commit is in progress, to the release. */
  holdWrites?: () => Promise<() => void>;
}

/**
 * A WAL past this is started over. Large, because each start-over holds commits for one
 * checkpoint of the tail and two fsyncs (tens of ms under load); at 64 MB the holds came every
 * second or two under the bench's loads and tripled the ack's p99 at 1,000/s.
 */
export const WAL_RESTART_BYTES = 1024 * 1024 * 1024;
/** What a started-over WAL is trimmed to (`journal_size_limit`): the disk space comes back. */
export const WAL_TRIM_BYTES = 64 * 1024 * 1024;
/** The longest a hold may last, should the thread never answer (a crash, a stuck checkpoint). */
const MAX_HOLD_MS = 2_000;

export function startCheckpointer(path: string, options: CheckpointerOptions = {}): Checkpointer {
  const { intervalMs = 1_000, idleChecks = 5, restartBytes = 0, holdGapMs = 10_000, holdWrites } = options;
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
      workerData: { path, intervalMs, idleChecks, restartBytes, holdGapMs, driver },
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
