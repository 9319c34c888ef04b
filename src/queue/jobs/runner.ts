import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { type Job, runTaskList, type TaskList, type WorkerEvents, type WorkerPool } from "graphile-worker";
import pg from "pg";
import { graphileLogger, type JobLog } from "../../store/postgres/job-log.js";
import { installJobSchema } from "../../store/postgres/jobs-schema.js";
import { JOB_SCHEMA } from "../../store/postgres/jobs-sql.js";
import { guardPool } from "../../store/postgres/pool-guard.js";
import { gatedPool } from "./gated-pool.js";
import { startLiveness } from "./liveness.js";
import { watchLostCompletions } from "./lost-completions.js";
import { startQueueGc } from "./queue-gc.js";
import { createQueueNames } from "./queue-names.js";

export type { JobLog } from "../../store/postgres/job-log.js";

export interface JobTaskHelpers {
  job: { id: string; attempts: number; queueName: string | null };
  /** This runner's lock owner id, as recorded in `job_workers` while it lives. */
  runnerId: string;
  /**
   * Aborted when this process gives the job up while the task still runs: `stop()` past its
   * grace period, or this runner presumed dead by the others. The job may then run elsewhere;
   * the task should stop before its next side effect.
   */
  signal: AbortSignal;
}

/** Throwing fails the attempt: graphile retries it after exp(min(attempts, 10)) s, up to max_attempts. */
export type JobTask = (payload: unknown, helpers: JobTaskHelpers) => Promise<void>;

export interface JobRunnerOptions {
  /**
   * A pool shared with the caller (not ended by `stop()`; needs concurrency + 3 connections, or
   * heartbeats may starve), or a connection string (own pool, see README "Durability").
   */
  pool?: pg.Pool;
  connectionString?: string;
  /** Jobs run at once by this process (graphile workers; named queues still run one at a time). */
  concurrency: number;
  tasks: Record<string, JobTask>;
  log: JobLog;
  /** Shown in `job_workers.process` and logs ("tern worker @host pid 123"). */
  processName: string;
  /** How often this runner proves it is alive (default 5 s). */
  heartbeatMs?: number;
  /** A runner silent for this long is presumed dead and its jobs unlocked (default 15 s). */
  staleAfterMs?: number;
  /**
   * How often an idle graphile worker looks for jobs without being notified (default 1 s):
   * what bounds the delay of a `run_at` job and of retries. New jobs arrive by NOTIFY at once.
   * Idle cost: about concurrency / pollInterval cheap queries per second.
   */
  pollIntervalMs?: number;
  /**
   * How often this runner deletes empty named queues (default 60 s, jittered; 0: never). Fetch
   * cost grows with the number of queue rows; see store/postgres/job-queue-gc.ts.
   */
  queueGcIntervalMs?: number;
  /**
   * Fetch jobs for the whole process in batches (graphile's `localQueue`, `concurrency` jobs per
   * fetch) instead of one fetch per worker per job. Only for jobs without a named queue: in 0.17.3
   * it runs several jobs of one named queue at once (graphile/worker#621), so a job with a queue
   * name fails here instead of running. See README "Batch fetching".
   */
  batchFetch?: boolean;
}

export interface JobRunner {
  /**
   * Stops taking jobs, lets running ones finish within `graceMs` (default 10 s), then hands what
   * is left back (unlocked now, other runners notified) and forgets this runner. Resolves when
   * nothing is locked by it any more. The process should exit soon after: a task that ignores
   * its aborted signal keeps running here while another runner may already run the job again.
   */
  stop(graceMs?: number): Promise<void>;
  /** graphile lock owner ids of this runner (its pool id: 0.17 locks jobs by pool, not worker). */
  workerIds(): string[];
  /**
   * Whether this runner may still act for the jobs it runs: false once its heartbeat is too old
   * (liveness.ts `isFresh`: paused past `staleAfterMs`, or cut off), and then every running
   * task's signal is aborted. Cheap: checked before each side effect leaves.
   */
  holdsLease(): boolean;
}

const DEFAULT_GRACE_MS = 10_000;

/**
 * Session settings for a pool that graphile fetches and completes jobs on (README "Durability of
 * the bookkeeping", "The fetch plan").
 * - `synchronous_commit=off`: job bookkeeping (fetch locks, completions, heartbeats) commits
 *   without waiting for the WAL fsync: 2 fsyncs per job otherwise, the main cost (measured 2-4x
 *   fewer jobs/s). A database crash may lose the last ones: a finished job runs again, a lock is
 *   forgotten; tasks are idempotent (the effects outbox), and their own writes go through the store.
 * - `enable_seqscan=off`: graphile's fetch filters with an `OR` that the planner cannot estimate,
 *   and a jobs table that autovacuum has not analyzed yet (a new database, or a minute of churn)
 *   has no statistics: the planner then reads the whole table and sorts it on every fetch, which
 *   grows with the backlog (15 ms per fetch at a few thousand queued jobs, against 4 ms through
 *   `jobs_main_index`). Every query on this pool has an index to use.
 * - `jit=off`: with sequential scans priced out, plan costs pass `jit_above_cost` and a 1 ms
 *   fetch spent 180 ms compiling itself.
 */
export const JOB_POOL_SESSION_OPTIONS = "-c synchronous_commit=off -c enable_seqscan=off -c jit=off";

export async function startJobRunner(options: JobRunnerOptions): Promise<JobRunner> {
  const { log, concurrency } = options;
  if (!(options.pool ? !options.connectionString : options.connectionString)) {
    throw new Error("startJobRunner: give exactly one of pool or connectionString");
  }
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? 15_000;
  // Every runner judges the others by its own staleAfterMs: the fleet must share these settings.
  if (staleAfterMs < 2 * heartbeatMs) {
    throw new Error(
      `startJobRunner: staleAfterMs (${staleAfterMs}) must be at least twice heartbeatMs (${heartbeatMs})`,
    );
  }
  const ownPool = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      // One per running job, graphile's LISTEN connection, heartbeats and queue-name lookups.
      max: concurrency + 3,
      application_name: options.processName.slice(0, 63),
      options: JOB_POOL_SESSION_OPTIONS,
    });
  guardPool(pool, (err) => log.warn({ err }, "PostgreSQL connection error (job runner)"));
  await installJobSchema(pool, log);

  let handingBack = false;
  const running = new Set<AbortController>();
  const abortRunning = (reason: string) => {
    for (const controller of running) controller.abort(new Error(reason));
  };
  const holdsLease = (): boolean => {
    if (!liveness || liveness.isFresh()) return true;
    abortRunning(
      `this job runner's heartbeat is over ${staleAfterMs} ms old (the process was paused or cut off from the database): its jobs may run elsewhere`,
    );
    return false;
  };
  const queueNames = createQueueNames(pool);
  const lostCompletions = watchLostCompletions({ pool, owner: () => workerPool.id, log });
  const taskList: TaskList = {};
  for (const [identifier, task] of Object.entries(options.tasks)) {
    taskList[identifier] = async (payload, helpers) => {
      const controller = new AbortController();
      running.add(controller);
      lostCompletions.started(String(helpers.job.id));
      try {
        const job = helpers.job;
        const queueName = await queueNames.of(job);
        if (options.batchFetch && queueName !== null) {
          throw new Error(
            `job ${job.id} has the named queue "${queueName}": a runner with batchFetch runs such jobs out of order (graphile/worker#621)`,
          );
        }
        const signal = controller.signal;
        await task(payload, {
          job: { id: String(job.id), attempts: job.attempts, queueName },
          runnerId: workerPool.id,
          signal,
        });
        // Handed back meanwhile: the job may be running elsewhere. Completing it here would
        // delete it under the other runner (graphile's complete checks no lock); failing it is a
        // no-op once unlocked.
        holdsLease();
        if (signal.aborted) throw signal.reason;
      } finally {
        running.delete(controller);
        if (!controller.signal.aborted)
          lostCompletions.finished(String(helpers.job.id), helpers.job.attempts);
      }
    };
  }

  // The pool id is the lock owner; it exists before the first worker asks for a job, and no
  // worker may lock one before it is registered (else a crash in between would stall it 4 h).
  const events: WorkerEvents = new EventEmitter();
  let liveness: ReturnType<typeof startLiveness> | undefined;
  events.on("pool:create", ({ workerPool }) => {
    liveness = startLiveness({
      pool,
      workerId: workerPool.id,
      process: options.processName,
      heartbeatMs,
      staleAfterMs,
      log,
      onLost: () => abortRunning("this job runner was presumed dead; its jobs were handed to others"),
    });
  });
  events.on("job:failed", ({ job, error }) =>
    log.error({ err: error, ...jobFields(job) }, "job failed for good"),
  );

  const workerPool: WorkerPool = runTaskList(
    {
      concurrency,
      noHandleSignals: true,
      pollInterval: options.pollIntervalMs ?? 1_000,
      schema: JOB_SCHEMA,
      logger: graphileLogger(log, () => handingBack),
      events,
      ...(options.batchFetch ? { preset: { worker: { localQueue: { size: concurrency } } } } : {}),
    },
    taskList,
    // The registration gate above: graphile gets no connection, so fetches nothing, before it.
    gatedPool(pool, () =>
      liveness ? liveness.registered() : Promise.reject(new Error("no job_workers row yet")),
    ),
  );
  // Shutdown errors surface through stop(); none may become an unhandled rejection.
  workerPool.promise.catch(() => {});
  if (!liveness) throw new Error("graphile-worker did not announce its pool");
  const live = liveness;
  try {
    // Started means registered: a missing job_workers table fails here, not in a retry loop.
    await live.registered();
  } catch (error) {
    await Promise.resolve(workerPool.gracefulShutdown("job runner could not register")).catch(() => {});
    await live.stop().catch(() => {});
    if (ownPool) await pool.end();
    throw error;
  }

  const gc = startQueueGc(pool, options.queueGcIntervalMs ?? 60_000, log);

  let stopping: Promise<void> | undefined;
  const stop = async (graceMs: number) => {
    await gc.stop();
    await lostCompletions.stop();
    const graceful = Promise.resolve(workerPool.gracefulShutdown("tern job runner stopping")).then(
      () => true,
      () => true,
    );
    // unref: a grace timer must not keep the process alive once everything else has stopped.
    const finished = await Promise.race([graceful, sleep(graceMs, false, { ref: false })]);
    // What could not be handed back (the database did not answer): reported once all is closed.
    let failure: unknown;
    if (!finished) {
      handingBack = true;
      // Unlock first, then abort: a task that ends, and graphile's forceful shutdown, both "fail"
      // the job, which pushes its run_at exp(attempts) seconds away — unless it is no longer
      // locked by this runner. Unlocked, it is fetched at once elsewhere (the release notifies).
      // With the database down they stay locked; the others' stale-runner sweep frees them.
      const handedBack = await live.handBack().catch((err: unknown) => {
        failure ??= err;
        return null;
      });
      abortRunning("the job runner stopped; this job was handed to another runner");
      if (handedBack)
        log.warn(
          { unlockedJobs: handedBack.unlockedJobs, graceMs },
          "job runner stopped with jobs still running; handed them back",
        );
      await Promise.resolve(workerPool.forcefulShutdown("tern job runner handed its jobs back")).catch(
        () => {},
      );
    }
    try {
      // Forget this runner, and unlock anything a last fetch locked meanwhile.
      await live.stop();
    } catch (err) {
      failure ??= err;
    } finally {
      if (ownPool) await pool.end();
    }
    if (failure !== undefined)
      throw new Error(
        "the job runner stopped without handing its jobs back or removing its row (the database did not answer); other runners take them once this one is stale",
        { cause: failure },
      );
  };

  return {
    stop(graceMs = DEFAULT_GRACE_MS) {
      stopping ??= stop(graceMs);
      return stopping;
    },
    workerIds: () => [live.workerId],
    holdsLease,
  };
}

function jobFields(job: Job): Record<string, unknown> {
  return { jobId: String(job.id), task: job.task_identifier, attempts: job.attempts };
}
