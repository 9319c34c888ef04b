import { sql } from "kysely";
import type pg from "pg";
import { jobQuery, jobTransaction } from "./job-pool.js";
import { JOB_QUEUE_GC_LOCK } from "./jobs-sql.js";

/**
 * Deletes named queues that hold no job. graphile 0.17 keeps a row per queue name forever, and
 * every job fetch row-locks every unlocked queue row (`for update skip locked` over
 * `_private_job_queues`): with one queue per conversation, fetch cost grows with every
 * conversation ever seen (measured: ~16 ms per fetch at 10,000 queues, ~165 ms at 100,000).
 * Collecting empty queues keeps the table at the conversations that have a job now.
 *
 * graphile's own `GC_JOB_QUEUES` is not safe while jobs are added (see `JOB_QUEUE_GC_LOCK`);
 * this one holds the lock exclusive, so it waits for enqueueing transactions in flight and holds
 * new ones back for one short batch. `lockTimeoutMs` bounds that wait: a busy moment skips the
 * round (returns -1) rather than stall ingest.
 */
export async function collectEmptyJobQueues(
  pool: pg.Pool,
  options: { batch?: number; lockTimeoutMs?: number } = {},
): Promise<number> {
  const batch = options.batch ?? 500;
  const lockTimeoutMs = options.lockTimeoutMs ?? 200;
  let total = 0;
  for (;;) {
    const deleted = await jobTransaction(pool, async (tx) => {
      await jobQuery(tx, sql`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`);
      try {
        await jobQuery(tx, sql`select pg_advisory_xact_lock(${sql.lit(JOB_QUEUE_GC_LOCK)}::bigint)`);
      } catch (error) {
        if ((error as { code?: string }).code === "55P03") return -1; // lock_not_available
        throw error;
      }
      // Queues a fetch holds right now (row-locked) are skipped: they have a job anyway.
      const rows = await jobQuery(
        tx,
        sql`delete from graphile_worker._private_job_queues
            where id in (
              select id from graphile_worker._private_job_queues
              where locked_at is null
                and id not in (select job_queue_id from graphile_worker._private_jobs where job_queue_id is not null)
              limit ${batch}
              for update skip locked
            )
            returning id`,
      );
      return rows.length;
    });
    if (deleted < 0) return total === 0 ? -1 : total;
    total += deleted;
    if (deleted < batch) return total;
  }
}
