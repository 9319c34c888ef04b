import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/helpers/postgres.js";
import { jobQuery } from "../../store/postgres/job-pool.js";
import { installJobSchema } from "../../store/postgres/jobs-schema.js";
import { addJobs } from "../../store/postgres/jobs-sql.js";
import { JOB_POOL_SESSION_OPTIONS } from "./runner.js";

/**
 * graphile-worker 0.17.3's batch fetch (`batchGetJobs` in dist/sql/getJobs.js: named-queue
 * strategy 2, no flags, the database's clock), as it sends it. Copied so that its plan can be
 * read: the pool settings below exist for this statement.
 */
const GET_JOBS = `with j as (
  select jobs.job_queue_id, jobs.priority, jobs.run_at, jobs.id
    from graphile_worker._private_jobs as jobs
    where jobs.is_available = true
    and run_at <= now()
    and task_id = any($2::int[])
    and (
      jobs.job_queue_id is null
      or
      jobs.job_queue_id in (
        select id
        from graphile_worker._private_job_queues as job_queues
        where job_queues.is_available = true
        for update
        skip locked
      )
    )
    order by priority asc, run_at asc
    limit $3
    for update
    skip locked
),
q as (
  update graphile_worker._private_job_queues as job_queues
    set locked_by = $1::text, locked_at = now()
    from j
    where job_queues.id = j.job_queue_id
)
  update graphile_worker._private_jobs as jobs
    set attempts = jobs.attempts + 1, locked_by = $1::text, locked_at = now()
    from j
    where jobs.id = j.id
    returning *`;

let database: TestDatabase;
let taskId: number;

beforeAll(async () => {
  // A database of its own: never analyzed, as a new deployment's is for its first minute.
  database = await createTestDatabase({ empty: true });
  await installJobSchema(database.url);
  await withClient(undefined, async (client) => {
    const specs = Array.from({ length: 3_000 }, (_, i) => ({ identifier: "conversation", payload: { i } }));
    await jobQuery(client, addJobs(specs));
    const { rows } = await client.query<{ id: number }>(
      "select id from graphile_worker._private_tasks where identifier = 'conversation'",
    );
    taskId = rows[0]?.id ?? Number.NaN;
  });
});

afterAll(async () => {
  await database?.drop();
});

async function withClient<T>(options: string | undefined, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: database.url, ...(options ? { options } : {}) });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The plan of one fetch of 64 jobs, run and rolled back so the backlog stays as it is. */
async function fetchPlan(options: string | undefined): Promise<string> {
  return withClient(options, async (client) => {
    await client.query("begin");
    try {
      const { rows } = await client.query<{ "QUERY PLAN": string }>(
        `explain (analyze, costs off, timing off, summary off) ${GET_JOBS}`,
        ["plan-test", [taskId], 64],
      );
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    } finally {
      await client.query("rollback");
    }
  });
}

describe("the job fetch plan on a jobs table without statistics", () => {
  it("a default session reads the whole backlog and sorts it (what the pool settings avoid)", async () => {
    const plan = await fetchPlan(undefined);
    expect(plan).toMatch(/Seq Scan on _private_jobs/);
    expect(plan).toMatch(/Sort/);
  });

  it("the job pool's session reads the head of the available-jobs index, without JIT", async () => {
    const plan = await fetchPlan(JOB_POOL_SESSION_OPTIONS);
    expect(plan).toMatch(/Index (Only )?Scan using jobs_(main|no_queue)_index on _private_jobs/);
    expect(plan).not.toMatch(/Seq Scan on _private_jobs/);
    expect(plan).not.toMatch(/JIT/);
    // It still fetches what a fetch should: 64 of the 3,000, oldest first.
    expect(plan).toMatch(/Limit \(actual rows=64/);
  });

  it("the pool commits job bookkeeping without waiting for the WAL fsync", async () => {
    const setting = await withClient(JOB_POOL_SESSION_OPTIONS, async (client) => {
      const { rows } = await client.query<{ synchronous_commit: string }>("show synchronous_commit");
      return rows[0]?.synchronous_commit;
    });
    expect(setting).toBe("off");
  });
});
