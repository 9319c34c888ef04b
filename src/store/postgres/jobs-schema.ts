import { runMigrations } from "graphile-worker";
import { sql } from "kysely";
import pg from "pg";
import { graphileLogger, type JobLog, quietGraphileLogger } from "./job-log.js";
import { jobQuery, jobTransaction } from "./job-pool.js";
import { JOB_SCHEMA } from "./jobs-sql.js";
import { guardPool } from "./pool-guard.js";

/**
 * Wakes the runners when a named queue is unlocked (its job completed, failed or was handed
 * back). graphile 0.17 notifies only on insert: the next job of a busy queue (a conversation's
 * next message) would otherwise wait for some idle worker's poll, up to `pollInterval`. The
 * notify is sent at COMMIT, once the queue is free. Identical payloads of one transaction are
 * delivered once.
 */
const queueUnlockedTrigger = sql`
  create or replace function graphile_worker.tern_tg_queue_unlocked() returns trigger
  language plpgsql as $$
  begin
    perform pg_notify('jobs:insert', '{"count":1}');
    return null;
  end;
  $$;
  create or replace trigger tern_queue_unlocked
    after update of locked_by on graphile_worker._private_job_queues
    for each row when (old.locked_by is not null and new.locked_by is null)
    execute function graphile_worker.tern_tg_queue_unlocked();`;

/**
 * Installs or upgrades graphile-worker's schema (its own migrations, safe when several processes
 * start together), then Tern's queue-unlocked trigger. A pool given here is used, not ended.
 */
export async function installJobSchema(target: string | pg.Pool, log?: JobLog): Promise<void> {
  const logger = log ? graphileLogger(log) : quietGraphileLogger();
  const pool = typeof target === "string" ? new pg.Pool({ connectionString: target, max: 2 }) : target;
  const report = (err: object) => log?.warn({ err }, "PostgreSQL connection error (job engine)");
  guardPool(pool, report);
  try {
    await runMigrations({ pgPool: pool, schema: JOB_SCHEMA, logger });
    await jobTransaction(pool, async (tx) => {
      // Concurrent CREATE OR REPLACE of one function fails ("tuple concurrently updated").
      await jobQuery(tx, sql`select pg_advisory_xact_lock(hashtext('tern.installJobSchema'))`);
      await jobQuery(tx, queueUnlockedTrigger);
    });
  } finally {
    if (pool !== target) await pool.end();
  }
}
