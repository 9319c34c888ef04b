import type pg from "pg";
import type { JobLog } from "../../store/postgres/job-log.js";
import {
  heartbeatJobWorker,
  listJobWorkers,
  reapStaleJobWorkers,
  registerJobWorker,
  releaseJobWorker,
} from "../../store/postgres/job-workers.js";
import { isDeadHere } from "./local-process.js";

export interface LivenessOptions {
  pool: pg.Pool;
  /** graphile's pool id: the `locked_by` of every job this runner takes. */
  workerId: string;
  process: string;
  heartbeatMs: number;
  staleAfterMs: number;
  log: JobLog;
  /** This runner's row was reaped: its jobs may already run elsewhere. */
  onLost(): void;
}

/**
 * One runner's side of `job_workers` (see store/postgres/job-workers.ts): register before the
 * first fetch, then every `heartbeatMs` refresh the heartbeat and reap runners that went silent.
 * Heartbeats go on during a graceful stop, so a long grace period is not mistaken for death.
 */
export function startLiveness(options: LivenessOptions) {
  const { pool, workerId, log } = options;
  let isRegistered = false;
  let registration: Promise<null> | undefined;
  let lastRegistrationError = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<void> = Promise.resolve();

  /** null once registered (graphile's forbiddenFlags: no flags, fetch); until then a promise. */
  function registered(): null | Promise<null> {
    if (isRegistered) return null;
    registration ??= registerJobWorker(pool, workerId, options.process).then(
      () => {
        isRegistered = true;
        return null;
      },
      (error: unknown) => {
        registration = undefined;
        // Workers retry every poll; one line every 10 s is enough.
        if (Date.now() - lastRegistrationError > 10_000) {
          lastRegistrationError = Date.now();
          log.error({ err: error, workerId }, "job runner could not register in job_workers; taking no jobs");
        }
        throw error;
      },
    );
    return registration;
  }

  async function beat(): Promise<void> {
    try {
      if (!isRegistered) {
        await registered();
      } else if (!(await heartbeatJobWorker(pool, workerId)) && !stopped) {
        log.error(
          { workerId, staleAfterMs: options.staleAfterMs },
          "job runner was presumed dead (no heartbeat in time) and its jobs handed to others; running tasks told to abort",
        );
        options.onLost();
        await registerJobWorker(pool, workerId, options.process);
      }
      // A runner of this machine whose process is gone (killed, then this one started): its
      // work is taken over now rather than once its heartbeat is stale.
      const deadHere = (await listJobWorkers(pool))
        .filter((w) => w.workerId !== workerId && isDeadHere(w.process))
        .map((w) => w.workerId);
      if (deadHere.length > 0) {
        const reaped = await reapStaleJobWorkers(pool, { staleAfterMs: 0, onlyIds: deadHere });
        if (reaped.workerIds.length > 0)
          log.warn(reaped, "unlocked the jobs of job runners of this machine that exited");
      }
      const reaped = await reapStaleJobWorkers(pool, {
        staleAfterMs: options.staleAfterMs,
        exceptIds: [workerId],
      });
      if (reaped.workerIds.length > 0) {
        log.warn(reaped, "unlocked the jobs of job runners that stopped heartbeating");
      }
    } catch (error) {
      log.warn({ err: error, workerId }, "job runner heartbeat failed");
    }
  }

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      tick = beat().finally(() => schedule(options.heartbeatMs));
    }, delay);
    timer.unref();
  };
  registered()?.catch(() => {}); // logged above; retried by the workers and the next beat
  // The first beat at once: a restarted fleet frees a dead runner's jobs without waiting.
  schedule(0);

  return {
    workerId,
    registered,
    /** Unlocks what this runner holds now (its row stays: it still heartbeats). */
    handBack: () => releaseJobWorker(pool, workerId, { forget: false }),
    /** Last: no more beats, unlock anything left, delete the row. */
    async stop(): Promise<{ unlockedJobs: number }> {
      stopped = true;
      clearTimeout(timer);
      await tick;
      return releaseJobWorker(pool, workerId, { forget: true });
    },
  };
}
