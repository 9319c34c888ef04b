import { sql } from "kysely";
import type pg from "pg";
import { conversationJobSpec } from "../repos/job-repo.js";
import { jobQuery, jobTransaction, type Queryable } from "./job-pool.js";
import { addJobs, countLockedJobs, forceUnlockWorkers, wakeRunners } from "./jobs-sql.js";

/**
 * Liveness of job runners. graphile-worker 0.17 frees a job (and its named queue) locked by a
 * runner that died only after 4 hours; a SIGKILLed `tern worker` would stall those conversations
 * that long. Every runner keeps a row in `job_workers` keyed by its lock owner id and refreshes
 * `heartbeat_at`; any live runner that finds a row older than `staleAfterMs` deletes it and
 * unlocks what that owner held, in one transaction. The DELETE row-locks the dead row, so of
 * several runners reaping at once exactly one gets it back and unlocks. Times are the database's
 * clock (ms since epoch), so clock skew between worker hosts does not matter.
 *
 * Table (migration 5): job_workers (worker_id TEXT PRIMARY KEY, process TEXT NOT NULL,
 * started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL).
 */

const DB_NOW_MS = sql`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** Records a lock owner (graphile's pool id) before it takes any job. Re-registering is harmless. */
export async function registerJobWorker(db: Queryable, workerId: string, process: string): Promise<void> {
  await jobQuery(
    db,
    sql`insert into job_workers (worker_id, process, started_at, heartbeat_at)
        values (${workerId}, ${process}, ${DB_NOW_MS}, ${DB_NOW_MS})
        on conflict (worker_id) do update set heartbeat_at = excluded.heartbeat_at`,
  );
}

/**
 * Refreshes the heartbeat. False when the row is gone: another runner presumed this one dead
 * (no heartbeat for `staleAfterMs`) and handed its jobs to others.
 */
export async function heartbeatJobWorker(db: Queryable, workerId: string): Promise<boolean> {
  const rows = await jobQuery(
    db,
    sql`update job_workers set heartbeat_at = ${DB_NOW_MS} where worker_id = ${workerId} returning worker_id`,
  );
  return rows.length > 0;
}

export interface Reaped {
  /** Lock owners found dead and unlocked by this call (empty almost always). */
  workerIds: string[];
  /** Their `process` names, for the log line. */
  processes: string[];
  /** Jobs they held that are free again. */
  unlockedJobs: number;
}

/**
 * Finds runners whose heartbeat is older than `staleAfterMs` (or, with `onlyIds`, those runners
 * whatever their heartbeat: known dead), unlocks their jobs, forgets them.
 */
export async function reapStaleJobWorkers(
  pool: pg.Pool,
  options: { staleAfterMs: number; exceptIds?: readonly string[]; onlyIds?: readonly string[] },
): Promise<Reaped> {
  return jobTransaction(pool, async (tx) => {
    const dead = await jobQuery<{ worker_id: string; process: string }>(
      tx,
      sql`delete from job_workers
          where heartbeat_at < ${DB_NOW_MS} - ${options.staleAfterMs}::bigint
            and not (worker_id = any(${options.exceptIds ?? []}::text[]))
            and (${options.onlyIds === undefined}::boolean or worker_id = any(${options.onlyIds ?? []}::text[]))
          returning worker_id, process`,
    );
    if (dead.length === 0) return { workerIds: [], processes: [], unlockedJobs: 0 };
    const workerIds = dead.map((row) => row.worker_id);
    const unlockedJobs = await unlock(tx, workerIds);
    return { workerIds, processes: dead.map((row) => row.process), unlockedJobs };
  });
}

/**
 * A runner leaving (or handing its jobs back): unlocks whatever `workerId` still holds, wakes the
 * other runners if that was anything, and (with `forget`) deletes its row, in one transaction.
 */
export async function releaseJobWorker(
  pool: pg.Pool,
  workerId: string,
  options: { forget: boolean },
): Promise<{ unlockedJobs: number }> {
  return jobTransaction(pool, async (tx) => {
    const unlockedJobs = await unlock(tx, [workerId]);
    if (options.forget) await jobQuery(tx, sql`delete from job_workers where worker_id = ${workerId}`);
    return { unlockedJobs };
  });
}

/** Every registered runner, oldest first (diagnostics and tests). */
export async function listJobWorkers(
  db: Queryable,
): Promise<{ workerId: string; process: string; startedAt: number; heartbeatAt: number }[]> {
  const rows = await jobQuery<{
    worker_id: string;
    process: string;
    started_at: string;
    heartbeat_at: string;
  }>(
    db,
    sql`select worker_id, process, started_at, heartbeat_at from job_workers order by started_at, worker_id`,
  );
  return rows.map((row) => ({
    workerId: row.worker_id,
    process: row.process,
    startedAt: Number(row.started_at),
    heartbeatAt: Number(row.heartbeat_at),
  }));
}

async function unlock(tx: Queryable, workerIds: string[]): Promise<number> {
  // Conversation turns they held (`repos/turn-repo.ts`) are free, and each conversation gets a
  // job: the job that found the turn taken returned at once, counting on the holder, as did a
  // message whose ingest knocked on it. Turns before job rows, the order an ingest locks them in
  // (its knock, then its jobs): the other order could deadlock with an ingest.
  const freed = await jobQuery<{ conversation_key: string }>(
    tx,
    sql`delete from conversation_turns where split_part(holder, '/', 1) = any(${workerIds}::text[])
        returning conversation_key`,
  );
  const [held] = await jobQuery(tx, countLockedJobs(workerIds));
  const n = held?.n ?? 0;
  await jobQuery(tx, forceUnlockWorkers(workerIds));
  if (freed.length > 0)
    await jobQuery(tx, addJobs(freed.map((row) => conversationJobSpec(row.conversation_key))));
  // Idle runners sleep until their next poll; the notify (sent at COMMIT) has them fetch now.
  if (n > 0) await jobQuery(tx, wakeRunners(n));
  return n;
}
