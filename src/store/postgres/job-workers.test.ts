import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JOB_WORKERS_DDL } from "../../../test/helpers/job-log.js";
import { createTestDatabase, testPool } from "../../../test/helpers/postgres.js";
import { jobQuery } from "./job-pool.js";
import {
  heartbeatJobWorker,
  listJobWorkers,
  reapStaleJobWorkers,
  registerJobWorker,
  releaseJobWorker,
} from "./job-workers.js";
import { installJobSchema } from "./jobs-schema.js";
import { addJob } from "./jobs-sql.js";

let database: { url: string; drop(): Promise<void> };
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase({ empty: true });
  pool = testPool(database.url, 12);
  await installJobSchema(pool);
  await pool.query(JOB_WORKERS_DDL);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

beforeEach(async () => {
  await pool.query("delete from job_workers");
  await pool.query("delete from graphile_worker._private_jobs");
});

/** What a runner that took a job looks like in graphile's tables (as its fetch leaves them). */
async function lockJobAs(owner: string, queue: string): Promise<string> {
  const [job] = await jobQuery(pool, addJob({ identifier: "t", payload: {}, queueName: queue }));
  await pool.query(
    `update graphile_worker._private_jobs set locked_by = $1, locked_at = now(), attempts = attempts + 1 where id = $2`,
    [owner, job!.id],
  );
  await pool.query(
    `update graphile_worker._private_job_queues set locked_by = $1, locked_at = now() where queue_name = $2`,
    [owner, queue],
  );
  return job!.id;
}

async function lockState(jobId: string) {
  const { rows } = await pool.query<{ job_lock: string | null; queue_lock: string | null; attempts: number }>(
    `select j.locked_by as job_lock, q.locked_by as queue_lock, j.attempts
       from graphile_worker._private_jobs j join graphile_worker._private_job_queues q on q.id = j.job_queue_id
      where j.id = $1`,
    [jobId],
  );
  return rows[0];
}

/** Makes a runner look silent for `ms` (its last heartbeat that long ago, database clock). */
async function age(workerId: string, ms: number) {
  await pool.query(
    `update job_workers set heartbeat_at = (extract(epoch from clock_timestamp()) * 1000)::bigint - $2 where worker_id = $1`,
    [workerId, ms],
  );
}

describe("job_workers liveness", () => {
  it("registers with the database clock and heartbeats", async () => {
    const before = Date.now();
    await registerJobWorker(pool, "pool-a", "tern worker a");
    const [row] = await listJobWorkers(pool);
    expect(row).toMatchObject({ workerId: "pool-a", process: "tern worker a" });
    expect(Math.abs(row!.startedAt - before)).toBeLessThan(2_000);
    await sleep(20);
    expect(await heartbeatJobWorker(pool, "pool-a")).toBe(true);
    const [after] = await listJobWorkers(pool);
    expect(after!.heartbeatAt).toBeGreaterThan(row!.heartbeatAt);
    expect(after!.startedAt).toBe(row!.startedAt);
  });

  it("a silent runner is reaped by exactly one of many concurrent reapers, which unlocks its job and queue", async () => {
    await registerJobWorker(pool, "pool-dead", "killed");
    await registerJobWorker(pool, "pool-live", "alive");
    const deadJob = await lockJobAs("pool-dead", "conv-1");
    const liveJob = await lockJobAs("pool-live", "conv-2");
    await age("pool-dead", 20_000);

    // All ten reach the dead row together: a transaction holds its row lock until they wait on it.
    const blocker = await pool.connect();
    await blocker.query("BEGIN");
    await blocker.query("select 1 from job_workers where worker_id = 'pool-dead' for update");
    const reapers = Promise.all(
      Array.from({ length: 10 }, () => reapStaleJobWorkers(pool, { staleAfterMs: 15_000 })),
    );
    await sleep(300);
    await blocker.query("COMMIT");
    blocker.release();
    const results = await reapers;
    const winners = results.filter((r) => r.workerIds.length > 0);
    expect(winners).toEqual([{ workerIds: ["pool-dead"], processes: ["killed"], unlockedJobs: 1 }]);

    expect(await lockState(deadJob)).toEqual({ job_lock: null, queue_lock: null, attempts: 1 });
    expect(await lockState(liveJob)).toMatchObject({ job_lock: "pool-live", queue_lock: "pool-live" });
    expect((await listJobWorkers(pool)).map((w) => w.workerId)).toEqual(["pool-live"]);
  });

  it("a runner is not reaped while its heartbeat is fresh, nor by itself", async () => {
    await registerJobWorker(pool, "pool-slow", "slow");
    await age("pool-slow", 10_000);
    expect((await reapStaleJobWorkers(pool, { staleAfterMs: 15_000 })).workerIds).toEqual([]);
    await age("pool-slow", 20_000);
    expect(
      (await reapStaleJobWorkers(pool, { staleAfterMs: 15_000, exceptIds: ["pool-slow"] })).workerIds,
    ).toEqual([]);
    expect(await heartbeatJobWorker(pool, "pool-slow")).toBe(true);
    expect((await reapStaleJobWorkers(pool, { staleAfterMs: 15_000 })).workerIds).toEqual([]);
  });

  it("a reaped runner learns it on its next heartbeat", async () => {
    await registerJobWorker(pool, "pool-paused", "paused");
    await age("pool-paused", 60_000);
    await reapStaleJobWorkers(pool, { staleAfterMs: 15_000 });
    expect(await heartbeatJobWorker(pool, "pool-paused")).toBe(false);
  });

  it("releasing unlocks what the runner holds, wakes the listeners at commit, and forgets it", async () => {
    await registerJobWorker(pool, "pool-leaving", "leaving");
    const jobId = await lockJobAs("pool-leaving", "conv-3");
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    try {
      const notes: string[] = [];
      listener.on("notification", (note) => notes.push(note.payload ?? ""));
      await listener.query(`LISTEN "jobs:insert"`);

      expect(await releaseJobWorker(pool, "pool-leaving", { forget: false })).toEqual({ unlockedJobs: 1 });
      expect(await lockState(jobId)).toMatchObject({ job_lock: null, queue_lock: null });
      expect((await listJobWorkers(pool)).map((w) => w.workerId)).toEqual(["pool-leaving"]);
      // One from Tern's queue-unlocked trigger, one from the release itself (with the count);
      // delivered to the listener after the commit, so polled for.
      await expect.poll(() => notes.map((n) => JSON.parse(n).count)).toEqual(expect.arrayContaining([1]));
      await expect.poll(() => notes.some((n) => "r" in JSON.parse(n))).toBe(true);

      notes.length = 0;
      expect(await releaseJobWorker(pool, "pool-leaving", { forget: true })).toEqual({ unlockedJobs: 0 });
      expect(await listJobWorkers(pool)).toEqual([]);
      await sleep(100);
      expect(notes).toEqual([]); // nothing was unlocked: nobody woken for nothing
    } finally {
      await listener.end();
    }
  });
});
