import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, testPool } from "../../../test/helpers/postgres.js";
import { jobQuery } from "./job-pool.js";
import { collectEmptyJobQueues } from "./job-queue-gc.js";
import { installJobSchema } from "./jobs-schema.js";
import { addJob } from "./jobs-sql.js";

let database: { url: string; drop(): Promise<void> };
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase({ empty: true });
  pool = testPool(database.url, 6);
  await installJobSchema(pool);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

beforeEach(async () => {
  await pool.query("delete from graphile_worker._private_jobs");
  await pool.query("delete from graphile_worker._private_job_queues");
});

const queues = async () =>
  (
    await pool.query<{ queue_name: string }>(
      "select queue_name from graphile_worker._private_job_queues order by 1",
    )
  ).rows.map((r) => r.queue_name);

/** A queue that once had a job: its row stays after the job is gone (graphile never deletes it). */
async function emptyQueue(name: string) {
  const [job] = await jobQuery(pool, addJob({ identifier: "t", payload: {}, queueName: name }));
  await pool.query("select graphile_worker.complete_jobs(array[$1::bigint])", [job!.id]);
}

/** A transaction that added a job to `queue` and has not committed. */
async function openEnqueue(queue: string) {
  const tx = await pool.connect();
  await tx.query("BEGIN");
  const [job] = await jobQuery(tx, addJob({ identifier: "t", payload: {}, queueName: queue }));
  return {
    jobId: job!.id,
    async commit() {
      await tx.query("COMMIT");
      tx.release();
    },
  };
}

const queueOfJob = async (jobId: string) =>
  (
    await pool.query<{ queue_name: string | null }>(
      "select queue_name from graphile_worker.jobs where id = $1",
      [jobId],
    )
  ).rows[0]?.queue_name;

describe("collecting empty job queues", () => {
  it("deletes queues without jobs, in batches, and keeps those with waiting, scheduled or running jobs", async () => {
    for (let i = 0; i < 7; i++) await emptyQueue(`gone-${i}`);
    await jobQuery(pool, addJob({ identifier: "t", payload: {}, queueName: "waiting" }));
    await jobQuery(
      pool,
      addJob({ identifier: "t", payload: {}, queueName: "timer", runAt: Date.now() + 3_600_000 }),
    );
    const [running] = await jobQuery(pool, addJob({ identifier: "t", payload: {}, queueName: "running" }));
    await pool.query(
      "update graphile_worker._private_job_queues set locked_by = 'pool-x', locked_at = now() where queue_name = 'running'",
    );
    expect(running).toBeDefined();

    expect(await collectEmptyJobQueues(pool, { batch: 3 })).toBe(7);
    expect(await queues()).toEqual(["running", "timer", "waiting"]);
    expect(await collectEmptyJobQueues(pool)).toBe(0);
  });

  it("never takes the queue of a job whose transaction is still open (graphile's own GC does)", async () => {
    // The hazard: graphile's GC_JOB_QUEUES statement, run while a job for an empty queue is
    // being added, deletes the queue; the job commits without a queue and never runs.
    await emptyQueue("conv-1");
    const unguarded = await openEnqueue("conv-1");
    await pool.query(`delete from graphile_worker._private_job_queues where locked_at is null and id not in (
      select job_queue_id from graphile_worker._private_jobs where job_queue_id is not null)`);
    await unguarded.commit();
    expect(await queueOfJob(unguarded.jobId)).toBeNull();
    await pool.query("delete from graphile_worker._private_jobs");

    // Ours waits for the enqueuer (here past its lock timeout: it skips the round).
    await emptyQueue("conv-2");
    await emptyQueue("conv-3");
    const open = await openEnqueue("conv-2");
    expect(await collectEmptyJobQueues(pool, { lockTimeoutMs: 200 })).toBe(-1);
    expect(await queues()).toContain("conv-2");

    // With time to wait, it collects once the enqueuer committed, and keeps that queue.
    const collecting = collectEmptyJobQueues(pool, { lockTimeoutMs: 5_000 });
    await sleep(300);
    await open.commit();
    expect(await collecting).toBe(1); // conv-3
    expect(await queues()).toEqual(["conv-2"]);
    expect(await queueOfJob(open.jobId)).toBe("conv-2");
  });
});
