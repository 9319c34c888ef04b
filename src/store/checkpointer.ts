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
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 5000");
let quiet = 0;
let lastLog = -1;
const checkpoint = () => {
  try {
    const r = db.pragma("wal_checkpoint(PASSIVE)")[0];
    const isCaughtUp = r.busy === 0 && r.log === r.checkpointed && r.log === lastLog;
    lastLog = r.log;
    return isCaughtUp;
  } catch { return false; }
};
const timer = setInterval(() => {
  quiet = checkpoint() ? quiet + 1 : 0;
  if (quiet >= workerData.idleChecks) parentPort.postMessage("idle");
}, workerData.intervalMs);
parentPort.on("message", (m) => {
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

export function startCheckpointer(path: string, intervalMs = 1_000, idleChecks = 5): Checkpointer {
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
  const start = () => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, intervalMs, idleChecks, driver } });
    w.unref();
    w.on("message", (m) => {
      if (m !== "idle" || worker !== w) return;
      worker = null;
      seenMtimeMs = walMtimeMs();
      stopping = stopWorker(w);
    });
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
      clearInterval(watch);
      const w = worker;
      worker = null;
      if (w) await stopWorker(w);
      await stopping;
    },
  };
}
