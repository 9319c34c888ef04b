import type pg from "pg";
import type { JobLog } from "../../store/postgres/job-log.js";
import { jobQuery } from "../../store/postgres/job-pool.js";
import { unlockFinishedJobs, wakeRunners } from "../../store/postgres/jobs-sql.js";

/** How long graphile gets to record a finished job (it batches completions within milliseconds). */
export const LOST_COMPLETION_AFTER_MS = 10_000;
/** A finished job not found locked by then was recorded: it is forgotten. */
const FORGET_AFTER_MS = 60_000;

/**
 * graphile-worker 0.17.3 completes and fails jobs in batches; when the connection of such a batch
 * is cut (a database restart, `pg_terminate_backend`), the rejection is unhandled and the jobs stay
 * locked by this live runner, which nobody reaps: its conversations wait until graphile's 4-hour
 * lock reset (seen by an outside audit, and in test/e2e/database-connections-reset.test.ts). This
 * remembers the jobs whose task ended here and, every `intervalMs`, unlocks those still locked by
 * this runner at the same attempt `LOST_COMPLETION_AFTER_MS` later, so they run again: a
 * conversation's job is idempotent (it drains what is pending, in the conversation's turn).
 */
export function watchLostCompletions(options: {
  pool: pg.Pool;
  /** graphile's pool id, the `locked_by` of this runner's jobs (known once the pool exists). */
  owner: () => string;
  log: JobLog;
  intervalMs?: number;
}) {
  const finished = new Map<string, { attempts: number; at: number }>();
  let sweeping: Promise<void> = Promise.resolve();

  const sweep = async (): Promise<void> => {
    const now = Date.now();
    const due: Array<{ id: string; attempts: number }> = [];
    for (const [id, job] of finished) {
      if (now - job.at >= FORGET_AFTER_MS) finished.delete(id);
      else if (now - job.at >= LOST_COMPLETION_AFTER_MS) due.push({ id, attempts: job.attempts });
    }
    if (due.length === 0) return;
    const unlocked = await jobQuery(options.pool, unlockFinishedJobs(options.owner(), due));
    for (const job of due) finished.delete(job.id);
    if (unlocked.length === 0) return;
    await jobQuery(options.pool, wakeRunners(unlocked.length));
    options.log.warn(
      { jobs: unlocked.length },
      "jobs that ended here were still locked by this runner (graphile lost their completion with its connection); unlocked them to run again",
    );
  };
  const timer = setInterval(() => {
    sweeping = sweeping
      .then(sweep)
      .catch((err: unknown) => options.log.warn({ err }, "looking for jobs with a lost completion failed"));
  }, options.intervalMs ?? 5_000);
  timer.unref();

  return {
    /** The job runs (again) here: whatever was remembered of it is out of date. */
    started(id: string): void {
      finished.delete(id);
    },
    /** Its task ended here at this attempt; graphile completes or fails it now. */
    finished(id: string, attempts: number): void {
      finished.set(id, { attempts, at: Date.now() });
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await sweeping;
    },
  };
}
