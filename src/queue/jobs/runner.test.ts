import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  dbNow,
  JOB_LOG_DDL,
  JOB_WORKERS_DDL,
  type LogRow,
  type RunnerChild,
  readJobLog,
  recordTask,
  spawnRunnerChild,
  waitFor,
} from "../../../test/helpers/job-log.js";
import { createTestDatabase, type TestDatabase, testPool } from "../../../test/helpers/postgres.js";
import { jobQuery } from "../../store/postgres/job-pool.js";
import { listJobWorkers } from "../../store/postgres/job-workers.js";
import { installJobSchema } from "../../store/postgres/jobs-schema.js";
import { addJob, addJobs, countPendingJobs } from "../../store/postgres/jobs-sql.js";
import { type JobRunner, type JobRunnerOptions, startJobRunner } from "./runner.js";

const log = pino({ level: "warn" });
let database: TestDatabase;
let db: pg.Pool;
const children: RunnerChild[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ empty: true });
  db = testPool(database.url, 8);
  await installJobSchema(database.url);
  await db.query(JOB_WORKERS_DDL);
  await db.query(JOB_LOG_DDL);
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

beforeEach(async () => {
  await db.query("delete from job_log");
});

// A failed test must not leave runners that take the next test's jobs.
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()));
  await Promise.all(runners.splice(0).map((r) => r.stop(500)));
  await db.query("delete from job_workers");
  await db.query("delete from graphile_worker._private_jobs");
});

// Every runner of a fleet judges the others by its own staleAfterMs: one setting for all here.
const HEARTBEAT_MS = 500;
const STALE_AFTER_MS = 2_000;
const runners: JobRunner[] = [];

async function runner(processName: string, options: Partial<JobRunnerOptions> = {}) {
  const started = await startJobRunner({
    connectionString: database.url,
    concurrency: 4,
    processName,
    log,
    heartbeatMs: HEARTBEAT_MS,
    staleAfterMs: STALE_AFTER_MS,
    tasks: { record: recordTask(db, processName) },
    ...options,
  });
  runners.push(started);
  return started;
}

async function child(processName: string, options: { concurrency?: number; batchFetch?: boolean } = {}) {
  const started = await spawnRunnerChild({
    url: database.url,
    processName,
    concurrency: options.concurrency ?? 4,
    batchFetch: options.batchFetch,
    heartbeatMs: HEARTBEAT_MS,
    staleAfterMs: STALE_AFTER_MS,
  });
  children.push(started);
  return started;
}

async function lockedJobs(): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select (select count(*) from graphile_worker._private_jobs where locked_by is not null)
          + (select count(*) from graphile_worker._private_job_queues where locked_by is not null) as n`,
  );
  return Number(rows[0]!.n);
}
const pendingJobs = async () => (await jobQuery(db, countPendingJobs()))[0]!.n;

const doneLog = (count: number) => async () => {
  const rows = await readJobLog(db);
  return rows.filter((r) => r.endedAt !== null).length >= count ? rows : undefined;
};

describe("job runner", () => {
  it("two runner processes × 8 workers keep each of 50 queues one at a time, in enqueue order, and run queues in parallel", async () => {
    const [a, b] = await Promise.all([
      child("proc-a", { concurrency: 8 }),
      child("proc-b", { concurrency: 8 }),
    ]);
    // 20 rounds; each round enqueues one job for each of 50 queues, interleaved, while the runners
    // already work: even rounds as one addJobs batch, odd rounds as 50 addJob calls in one transaction.
    for (let seq = 0; seq < 20; seq++) {
      const specs = Array.from({ length: 50 }, (_, q) => ({
        identifier: "record",
        payload: { queue: `conv-${q}`, seq, sleepMs: 1 + ((q * 7 + seq * 3) % 9) },
        queueName: `conv-${q}`,
      }));
      if (seq % 2 === 0) {
        await jobQuery(db, addJobs(specs));
      } else {
        const tx = await db.connect();
        await tx.query("BEGIN");
        for (const spec of specs) await jobQuery(tx, addJob(spec));
        await tx.query("COMMIT");
        tx.release();
      }
    }
    const rows = await waitFor("1000 jobs", doneLog(1000), 60_000);

    expect(rows).toHaveLength(1000); // each job ran once, none failed
    const byQueue = new Map<string, LogRow[]>();
    for (const row of rows) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
    expect(byQueue.size).toBe(50);
    for (const [, runs] of byQueue) {
      expect(runs.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      for (let i = 1; i < runs.length; i++)
        expect(runs[i]!.startedAt).toBeGreaterThanOrEqual(runs[i - 1]!.endedAt!);
    }
    // Parallelism: the most runs in flight at one moment, across queues and processes.
    const edges = rows.flatMap((r) => [
      { t: r.startedAt, d: 1 },
      { t: r.endedAt!, d: -1 },
    ]);
    edges.sort((x, y) => x.t - y.t || x.d - y.d);
    let inFlight = 0;
    let most = 0;
    for (const edge of edges) {
      inFlight += edge.d;
      most = Math.max(most, inFlight);
    }
    const perProcess = new Map<string, number>();
    for (const row of rows) perProcess.set(row.process, (perProcess.get(row.process) ?? 0) + 1);
    const span = Math.max(...rows.map((r) => r.endedAt!)) - Math.min(...rows.map((r) => r.startedAt));
    console.log(
      `1000 jobs in ${span.toFixed(0)} ms; at most ${most} at once; per process ${JSON.stringify(Object.fromEntries(perProcess))}`,
    );
    expect(most).toBeGreaterThanOrEqual(8);
    expect(perProcess.get("proc-a")).toBeGreaterThan(100);
    expect(perProcess.get("proc-b")).toBeGreaterThan(100);
    expect(await pendingJobs()).toBe(0);
    expect(await lockedJobs()).toBe(0);

    await Promise.all([a.stop(), b.stop()]);
    expect(await listJobWorkers(db)).toEqual([]);
  }, 120_000);

  it("a runner SIGKILLed holding a job: another runner unlocks it and runs it and the rest of its queue within staleAfterMs + a few s", async () => {
    const staleAfterMs = STALE_AFTER_MS;
    const doomed = await child("doomed");
    expect((await listJobWorkers(db)).map((w) => w.workerId)).toEqual(doomed.workerIds);
    await jobQuery(
      db,
      addJobs(
        [0, 1, 2].map((seq) => ({
          identifier: "record",
          payload: { queue: "conv-k", seq, hangIn: "doomed" },
          queueName: "conv-k",
        })),
      ),
    );
    await waitFor("the doomed runner to take the job", async () =>
      (await readJobLog(db)).length > 0 ? true : undefined,
    );

    const survivor = await runner("survivor", { pollIntervalMs: 500 });
    await sleep(1_000);
    expect((await readJobLog(db)).map((r) => r.process)).toEqual(["doomed"]); // the queue is locked
    await doomed.kill();
    const killedAt = await dbNow(db);

    const rows = await waitFor("the survivor to finish the queue", doneLog(3), 20_000);
    const survivorRuns = rows.filter((r) => r.process === "survivor");
    expect(survivorRuns.map((r) => [r.seq, r.attempt])).toEqual([
      [0, 2], // the killed attempt counted
      [1, 1],
      [2, 1],
    ]);
    const recoveredAfter = survivorRuns[0]!.startedAt - killedAt;
    console.log(
      `SIGKILLed runner's job resumed ${recoveredAfter.toFixed(0)} ms after the kill (staleAfterMs ${staleAfterMs})`,
    );
    expect(recoveredAfter).toBeLessThan(staleAfterMs + 3_000);
    expect((await listJobWorkers(db)).map((w) => w.workerId)).toEqual(survivor.workerIds());
    await waitFor(
      "the last job's completion",
      async () => ((await lockedJobs()) === 0 ? true : undefined),
      2_000,
    );
    await survivor.stop();
  }, 60_000);

  it("stop() lets a running job finish, then leaves nothing locked and forgets the runner", async () => {
    const r = await runner("finisher");
    await jobQuery(
      db,
      addJob({
        identifier: "record",
        payload: { queue: "conv-s", seq: 0, sleepMs: 800 },
        queueName: "conv-s",
      }),
    );
    await waitFor("the job to start", async () => ((await readJobLog(db)).length > 0 ? true : undefined));
    const stopping = Date.now();
    await r.stop(5_000);
    const stoppedAfter = Date.now() - stopping;
    const [run] = await readJobLog(db);
    expect(run!.endedAt).not.toBeNull();
    expect(stoppedAfter).toBeGreaterThan(300); // it waited for the job
    expect(stoppedAfter).toBeLessThan(3_000);
    expect(await pendingJobs()).toBe(0);
    expect(await lockedJobs()).toBe(0);
    expect(await listJobWorkers(db)).toEqual([]);
  });

  it("a runner paused past staleAfterMs knows it may have been presumed dead the moment it runs again, before any timer of its own", async () => {
    // The pause is the whole thread blocked (as SIGSTOP, a frozen VM or a long GC): no timer, no
    // heartbeat, no I/O runs until it ends; the first code after it asks before acting.
    const seen: Array<{ before: boolean; after: boolean; aborted: boolean }> = [];
    let r: JobRunner | undefined;
    r = await runner("paused", {
      tasks: {
        record: async (_payload, { signal }) => {
          while (!r) await sleep(5);
          const before = r.holdsLease();
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STALE_AFTER_MS + 300);
          seen.push({ before, after: r.holdsLease(), aborted: signal.aborted });
        },
      },
    });
    await jobQuery(db, addJob({ identifier: "record", payload: {} }));
    await waitFor("the task to end", async () => (seen.length > 0 ? true : undefined));
    expect(seen).toEqual([{ before: true, after: false, aborted: true }]);
    // Its heartbeat runs again: the lease is held anew, and new jobs run as before.
    await waitFor("the lease back", async () => (r?.holdsLease() ? true : undefined));
  });

  it("stop() past its grace period hands the job back: the task is told to abort and another runner takes the job at once", async () => {
    let aborted: unknown;
    const holder = await runner("holder", {
      tasks: {
        record: async (_payload, { signal }) => {
          await db.query(
            `insert into job_log (queue, seq, process, attempt, started_at) values ('conv-h', 0, 'holder', 1, now())`,
          );
          await new Promise((resolve) => signal.addEventListener("abort", resolve));
          aborted = signal.reason;
          // Returning normally after the abort must not complete the job under the next runner.
        },
      },
    });
    await jobQuery(
      db,
      addJob({ identifier: "record", payload: { queue: "conv-h", seq: 0 }, queueName: "conv-h" }),
    );
    await waitFor("the holder to take the job", async () =>
      (await readJobLog(db)).length > 0 ? true : undefined,
    );
    // Polls once a minute: only the hand-back's notification can bring it the job in time.
    const taker = await runner("taker", { pollIntervalMs: 60_000 });
    await sleep(300);

    const stopping = Date.now();
    await holder.stop(300);
    const stoppedAfter = Date.now() - stopping;
    expect(stoppedAfter).toBeLessThan(3_000);
    expect(String(aborted)).toMatch(/handed to another runner/);

    const rows = await waitFor("the taker to run the job", doneLog(1), 5_000);
    const taken = rows.find((r) => r.process === "taker")!;
    // 300 ms of grace, then the notification: well under the taker's one-minute poll.
    expect(taken.startedAt - stopping).toBeLessThan(3_000);
    expect(taken.attempt).toBe(2);
    await sleep(300);
    expect(await pendingJobs()).toBe(0);
    expect(await lockedJobs()).toBe(0);
    expect((await listJobWorkers(db)).map((w) => w.workerId)).toEqual(taker.workerIds());
    await taker.stop();
  });

  it("a task that throws is retried with back-off; meanwhile its queue's next job runs (graphile orders a queue only among runnable jobs)", async () => {
    const r = await runner("retrier", { pollIntervalMs: 200 });
    await jobQuery(
      db,
      addJobs([
        {
          identifier: "record",
          payload: { queue: "conv-r", seq: 0, failAttempts: [1] },
          queueName: "conv-r",
        },
        { identifier: "record", payload: { queue: "conv-r", seq: 1 }, queueName: "conv-r" },
      ]),
    );
    const rows = await waitFor("the retry", doneLog(2), 15_000);
    expect(rows.map((r) => [r.seq, r.attempt, r.endedAt !== null])).toEqual([
      [0, 1, false],
      [1, 1, true],
      [0, 2, true],
    ]);
    const backoff = rows[2]!.startedAt - rows[0]!.startedAt;
    expect(backoff).toBeGreaterThan(Math.exp(1) * 1_000 - 100); // exp(1) s after the first attempt
    expect(backoff).toBeLessThan(Math.exp(1) * 1_000 + 3_000);
    await r.stop();
    expect(await lockedJobs()).toBe(0);
  });
});

describe("job runner with batchFetch (graphile's localQueue; jobs without a named queue)", () => {
  it("two runner processes run 400 jobs, each exactly once, across both, and leave nothing locked", async () => {
    const [a, b] = await Promise.all([
      child("batch-a", { concurrency: 8, batchFetch: true }),
      child("batch-b", { concurrency: 8, batchFetch: true }),
    ]);
    for (let round = 0; round < 8; round++) {
      const specs = Array.from({ length: 50 }, (_, i) => ({
        identifier: "record",
        // 20-40 ms each: one process alone needs over a second for all 400, so a slow start of
        // the other (a loaded CI machine) cannot leave it nothing to take.
        payload: { queue: `conv-${i}`, seq: round, sleepMs: 20 + 5 * ((i * 7 + round) % 5) },
      }));
      await jobQuery(db, addJobs(specs));
    }
    const rows = await waitFor("400 jobs", doneLog(400), 60_000);
    expect(rows).toHaveLength(400);
    const seen = new Set(rows.map((r) => `${r.queue}/${r.seq}`));
    expect(seen.size).toBe(400);
    expect(rows.every((r) => r.attempt === 1)).toBe(true);
    const perProcess = new Map<string, number>();
    for (const row of rows) perProcess.set(row.process, (perProcess.get(row.process) ?? 0) + 1);
    expect(perProcess.get("batch-a")).toBeGreaterThan(20);
    expect(perProcess.get("batch-b")).toBeGreaterThan(20);
    await waitFor("the completions", async () => ((await pendingJobs()) === 0 ? true : undefined), 5_000);
    expect(await lockedJobs()).toBe(0);
    await Promise.all([a.stop(), b.stop()]);
    expect(await listJobWorkers(db)).toEqual([]);
  }, 90_000);

  it("takes no job, not even its first batch, before its job_workers row commits", async () => {
    await jobQuery(db, addJob({ identifier: "record", payload: { queue: "gate", seq: 0 } }));
    // Registration blocks behind this lock, as it would behind a slow or partitioned database.
    const blocker = await db.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE job_workers IN SHARE MODE");
    let started: Promise<JobRunner> | undefined;
    try {
      started = runner("gated", { batchFetch: true, pollIntervalMs: 200 });
      started.catch(() => {});
      await sleep(1_500);
      expect(await lockedJobs()).toBe(0);
      expect(await readJobLog(db)).toEqual([]);
    } finally {
      await blocker.query("COMMIT");
      blocker.release();
    }
    const r = await started;
    await waitFor("the job", doneLog(1), 10_000);
    expect((await listJobWorkers(db)).map((w) => w.workerId)).toEqual(r.workerIds());
  });

  it("a runner SIGKILLed holding a batch: another runner runs every job it held", async () => {
    const doomed = await child("doomed-batch", { concurrency: 2, batchFetch: true });
    await jobQuery(
      db,
      addJobs(
        Array.from({ length: 6 }, (_, seq) => ({
          identifier: "record",
          payload: { queue: `conv-${seq}`, seq, hangIn: "doomed-batch" },
        })),
      ),
    );
    await waitFor("the doomed runner to take its jobs", async () =>
      (await readJobLog(db)).length >= 2 ? true : undefined,
    );
    const held = await lockedJobs();
    expect(held).toBeGreaterThanOrEqual(2);
    await doomed.kill();
    const survivor = await runner("survivor-batch", { batchFetch: true, pollIntervalMs: 500 });
    const rows = await waitFor(
      "the survivor to run all six",
      async () => {
        const done = (await readJobLog(db)).filter(
          (r) => r.process === "survivor-batch" && r.endedAt !== null,
        );
        return done.length >= 6 ? done : undefined;
      },
      20_000,
    );
    expect(rows.map((r) => r.seq).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await waitFor("the completions", async () => ((await pendingJobs()) === 0 ? true : undefined), 5_000);
    expect(await lockedJobs()).toBe(0);
    await survivor.stop();
  }, 60_000);

  it("fails a job that has a named queue instead of running it (graphile/worker#621)", async () => {
    await runner("no-queues", { batchFetch: true, pollIntervalMs: 200 });
    await jobQuery(
      db,
      addJob({ identifier: "record", payload: { queue: "conv-q", seq: 0 }, queueName: "conv-q" }),
    );
    const failed = await waitFor("the job's failure", async () => {
      const { rows } = await db.query<{ last_error: string | null }>(
        "select last_error from graphile_worker._private_jobs where attempts > 0 and last_error is not null",
      );
      return rows[0];
    });
    expect(failed.last_error).toContain("graphile/worker#621");
    expect(await readJobLog(db)).toEqual([]);
  });
});
