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
  // Until when no other runner can have presumed this one dead (`isFresh`), on this process's
  // monotonic clock: a heartbeat sent at t is stamped at the database at t or later, and a runner
  // is reaped only once the database's clock is `staleAfterMs` past its stamp. The margin covers
  // what runs between a check and the act it guards.
  let freshUntil = 0;
  const margin = Math.min(1_000, options.staleAfterMs / 10);
  const renewedAt = (sentAt: number) => {
    freshUntil = Math.max(freshUntil, sentAt + options.staleAfterMs - margin);
  };
  let tick: Promise<void> = Promise.resolve();

  /** null once registered (graphile's forbiddenFlags: no flags, fetch); until then a promise. */
  function registered(): null | Promise<null> {
    if (isRegistered) return null;
    const sentAt = performance.now();
    registration ??= registerJobWorker(pool, workerId, options.process).then(
      () => {
        renewedAt(sentAt);
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
      const sentAt = performance.now();
      if (!isRegistered) {
        await registered();
      } else if (await heartbeatJobWorker(pool, workerId)) {
        renewedAt(sentAt);
      } else if (!stopped) {
        log.error(
          { workerId, staleAfterMs: options.staleAfterMs },
          "job runner was presumed dead (no heartbeat in time) and its jobs handed to others; running tasks told to abort",
        );
        options.onLost();
        await registerJobWorker(pool, workerId, options.process);
        renewedAt(sentAt);
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
    /**
     * False once this runner's last heartbeat is so old that the others may have presumed it
     * dead and handed its jobs on: the process was paused (SIGSTOP, a VM frozen, a long GC) or
     * cut off from the database. Read on the clock, so it is right the moment the process runs
     * again, before any timer or heartbeat of its own has had a chance to run.
     */
    isFresh: () => performance.now() < freshUntil,
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
