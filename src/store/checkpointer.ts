import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * SQLite's automatic WAL checkpoint runs inside whichever COMMIT crosses the threshold, which
 * stalls the event loop (and every webhook waiting on it) for tens of milliseconds. Tern turns
 * it off on the main connection and checkpoints from a background thread with its own
 * connection instead. https://www.sqlite.org/wal.html#automatic_checkpoint
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 5000");
const timer = setInterval(() => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
}, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m === "stop") {
    clearInterval(timer);
    try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
    db.close();
    parentPort.postMessage("stopped");
  }
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, intervalMs = 1_000): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, intervalMs, driver: createRequire(import.meta.url).resolve("better-sqlite3") },
  });
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          void worker.terminate().then(() => resolve());
        };
        worker.once("message", done);
        worker.once("error", done);
        worker.postMessage("stop");
      }),
  };
}
