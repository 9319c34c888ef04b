import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dbNow,
  JOB_LOG_DDL,
  JOB_WORKERS_DDL,
  type LogRow,
  readJobLog,
  recordTask,
  waitFor,
} from "../../../test/helpers/job-log.js";
import { createTestDatabase, type TestDatabase, testPool } from "../../../test/helpers/postgres.js";
import { jobQuery } from "../../store/postgres/job-pool.js";
import { installJobSchema } from "../../store/postgres/jobs-schema.js";
import { addJob, addJobs, countPendingJobs } from "../../store/postgres/jobs-sql.js";
import { type JobRunner, startJobRunner } from "./runner.js";

const log = pino({ level: "warn" });
let database: TestDatabase;
let db: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase({ empty: true });
  db = testPool(database.url, 6);
  await installJobSchema(database.url);
  await db.query(JOB_WORKERS_DDL);
  await db.query(JOB_LOG_DDL);
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

async function withRunner<T>(
  options: { pollIntervalMs?: number; concurrency?: number },
  fn: (runner: JobRunner) => Promise<T>,
): Promise<T> {
  const runner = await startJobRunner({
    connectionString: database.url,
    concurrency: options.concurrency ?? 4,
    processName: "test",
    log,
    pollIntervalMs: options.pollIntervalMs,
    tasks: { record: recordTask(db, "test") },
  });
  try {
    return await fn(runner);
  } finally {
    await runner.stop(2_000);
  }
}

async function inTransaction(end: "COMMIT" | "ROLLBACK", fn: (tx: pg.PoolClient) => Promise<void>) {
  const tx = await db.connect();
  try {
    await tx.query("BEGIN");
    await fn(tx);
    await tx.query(end);
  } finally {
    tx.release();
  }
}

const logOf = async (queue: string): Promise<LogRow[]> =>
  (await readJobLog(db)).filter((row) => row.queue === queue);

describe("enqueueing with the job SQL", () => {
  it("a job added in a transaction that rolls back never runs; one that commits runs at once", async () => {
    // Polling once a minute: only the NOTIFY sent at COMMIT can wake the runner in time.
    await withRunner({ pollIntervalMs: 60_000 }, async () => {
      await sleep(300); // the runner's first fetch found nothing; it now sleeps until notified
      await inTransaction("ROLLBACK", async (tx) => {
        await jobQuery(
          tx,
          addJob({ identifier: "record", payload: { queue: "rolled", seq: 0 }, queueName: "rolled" }),
        );
        await jobQuery(
          tx,
          addJobs([{ identifier: "record", payload: { queue: "rolled", seq: 1 }, queueName: "rolled" }]),
        );
      });
      const committedAt = Date.now();
      await inTransaction("COMMIT", async (tx) => {
        await jobQuery(
          tx,
          addJob({ identifier: "record", payload: { queue: "kept", seq: 0 }, queueName: "kept" }),
        );
      });
      const [ran] = await waitFor("the committed job", async () => {
        const rows = await logOf("kept");
        return rows[0]?.endedAt ? rows : undefined;
      });
      // A minute's poll could not do it; the NOTIFY does (a few ms when the machine is idle).
      expect(ran!.startedAt - committedAt).toBeLessThan(2_000);
      await sleep(500);
      expect(await logOf("rolled")).toEqual([]);
      const [pending] = await jobQuery(db, countPendingJobs());
      expect(pending!.n).toBe(0);
    });
  });

  it("one addJobs call runs a queue's jobs in array order, one at a time, each right after the last", async () => {
    // No polling to speak of: each next job is fetched on the queue-unlocked notification.
    await withRunner({ concurrency: 8, pollIntervalMs: 60_000 }, async () => {
      const specs = Array.from({ length: 20 }, (_, seq) => ({
        identifier: "record",
        payload: { queue: "batch", seq, sleepMs: 2 },
        queueName: "batch",
      }));
      const added = await jobQuery(db, addJobs(specs));
      expect(added).toHaveLength(20);
      const rows = await waitFor("the batch", async () => {
        const found = await logOf("batch");
        return found.length === 20 && found.every((r) => r.endedAt !== null) ? found : undefined;
      });
      expect(rows.map((r) => r.seq)).toEqual(specs.map((_, seq) => seq));
      const gaps = rows.slice(1).map((row, i) => row.startedAt - rows[i]!.endedAt!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
      // A commit, a notification and a fetch (median tens of ms on a busy 2-core VM), not a poll.
      expect(Math.max(...gaps)).toBeLessThan(1_000);
      console.log(
        `queue hand-off gap: median ${gaps.sort((a, b) => a - b)[gaps.length >> 1]!.toFixed(1)} ms, max ${Math.max(...gaps).toFixed(1)} ms`,
      );
    });
  });

  it("a run_at job does not run before its time, and runs within about a second after", async () => {
    await withRunner({}, async () => {
      const runAt = (await dbNow(db)) + 1_500;
      await jobQuery(
        db,
        addJob({ identifier: "record", payload: { queue: "timer", seq: 0 }, queueName: "timer", runAt }),
      );
      const [ran] = await waitFor("the timer job", async () => {
        const rows = await logOf("timer");
        return rows.length > 0 ? rows : undefined;
      });
      expect(ran!.startedAt).toBeGreaterThanOrEqual(runAt);
      // Default poll interval 1 s, four idle workers polling out of phase (slack for a busy CI).
      expect(ran!.startedAt - runAt).toBeLessThan(1_500);
    });
  });

  it("a job key replaces the waiting job: one run, with the last payload and run_at", async () => {
    await withRunner({}, async () => {
      const later = (await dbNow(db)) + 60_000;
      const spec = { identifier: "record", queueName: "keyed", jobKey: "timeout:run-1" };
      await jobQuery(db, addJob({ ...spec, payload: { queue: "keyed", seq: 1 }, runAt: later }));
      await jobQuery(db, addJobs([{ ...spec, payload: { queue: "keyed", seq: 2 } }]));
      const rows = await waitFor("the keyed job", async () => {
        const found = await logOf("keyed");
        return found.length > 0 ? found : undefined;
      });
      await sleep(300);
      expect((await logOf("keyed")).map((r) => r.seq)).toEqual([2]);
      expect(rows[0]!.attempt).toBe(1);
    });
  });

  it("addJobs refuses key modes add_jobs cannot honour", () => {
    const base = { identifier: "record", payload: {}, jobKey: "k" };
    expect(() => addJobs([{ ...base, jobKeyMode: "unsafe_dedupe" }])).toThrow(/unsafe_dedupe/);
    expect(() =>
      addJobs([
        { ...base, jobKeyMode: "replace" },
        { ...base, jobKey: "k2", jobKeyMode: "preserve_run_at" },
      ]),
    ).toThrow(/same jobKeyMode/);
  });
});
