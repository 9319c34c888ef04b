import pg from "pg";
import type { Worker } from "../worker.js";
import { runnerProcessName } from "./local-process.js";
import { JOB_POOL_SESSION_OPTIONS, type JobLog, startJobRunner } from "./runner.js";

/**
 * The worker on PostgreSQL: a graphile-worker runner (runner.ts) whose tasks are the worker's
 * (`worker.jobTasks()`), on a pool of its own. At start it enqueues jobs for whatever the rows
 * say is unfinished, deduplicated per conversation, so work whose job was lost (or that predates
 * jobs) is picked up too.
 */
export async function startWorkerRunner(options: {
  url: string;
  worker: Worker;
  concurrency: number;
  log: JobLog;
}): Promise<{ stop(graceMs?: number): Promise<void> }> {
  // graphile holds a connection only to fetch and to complete a job (a task's queries go through
  // the store's pool), so a few connections serve many concurrent jobs; capped so that several
  // worker processes stay well under the server's max_connections.
  const pool = new pg.Pool({
    connectionString: options.url,
    max: Math.min(options.concurrency, 8) + 3,
    application_name: "tern worker (jobs)",
    options: JOB_POOL_SESSION_OPTIONS,
  });
  const runner = await startJobRunner({
    pool,
    concurrency: options.concurrency,
    // Conversation, timeout and erase jobs carry no named queue (conversation-turn.ts orders a
    // conversation): one batch fetch per process instead of one per job per worker.
    batchFetch: true,
    tasks: options.worker.jobTasks(),
    log: options.log,
    processName: runnerProcessName("tern worker"),
  }).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  options.worker.useLease(runner.holdsLease);
  await options.worker.enqueueUnfinished();
  return {
    async stop(graceMs) {
      try {
        await runner.stop(graceMs);
      } finally {
        await pool.end();
      }
    },
  };
}
