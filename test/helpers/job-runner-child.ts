import pg from "pg";
import pino from "pino";
import { startJobRunner } from "../../src/queue/jobs/runner.js";
import { type ChildConfig, recordTask } from "./job-log.js";

/**
 * A `tern worker` stand-in for the job engine's multi-process tests (see `spawnRunnerChild`): a job
 * runner in its own OS process, so it can be SIGKILLed, running the `record` task.
 */
const config = JSON.parse(process.argv[2]!) as ChildConfig;
const db = new pg.Pool({ connectionString: config.url, max: config.concurrency + 1 });
const log = pino({ level: "warn", base: { process: config.processName } }, pino.destination(2));
const runner = await startJobRunner({
  connectionString: config.url,
  concurrency: config.concurrency,
  processName: config.processName,
  log,
  heartbeatMs: config.heartbeatMs,
  staleAfterMs: config.staleAfterMs,
  pollIntervalMs: config.pollIntervalMs,
  batchFetch: config.batchFetch,
  tasks: { record: recordTask(db, config.processName) },
});
process.send?.({ ready: true, workerIds: runner.workerIds() });
// The test process died: do not linger holding jobs and connections.
process.on("disconnect", () => process.exit(1));
process.on("message", (message) => {
  if (message !== "stop") return;
  void runner
    .stop(5_000)
    .then(() => db.end())
    .then(() => process.exit(0));
});
