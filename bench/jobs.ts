import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { availableParallelism } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { jobQuery, jobTransaction } from "../src/store/postgres/job-pool.js";
import { installJobSchema } from "../src/store/postgres/jobs-schema.js";
import { addJob, addJobs, countPendingJobs, type JobSpec } from "../src/store/postgres/jobs-sql.js";

/**
 * The PostgreSQL job engine (graphile-worker 0.17.3 + Tern's runner) on this machine:
 *   npx tsx bench/jobs.ts            (TERN_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 *
 * - latency: jobs enqueued one per autocommit statement at a steady rate, each into one of 500
 *   conversation queues (or none); time from just before the enqueue statement leaves to the
 *   task's start, and from the enqueuer seeing its COMMIT to the task's start (the pick-up).
 * - throughput: 20,000 trivial jobs committed at once while the runners idle; jobs/s until the
 *   last one is done. Un-queued, over 64 named queues (conversations hashed to buckets), and over
 *   2,000 named queues (one per conversation, 10 jobs each).
 * - queue rows: 2,000 jobs over 2,000 queues, with 10,000 and 50,000 other conversations
 *   each waiting on a timer job in its queue (an `ask` timeout kept in the conversation queue).
 *
 * Runners are separate processes (`bench/jobs-runner.ts`), concurrency 16 each. Each scenario gets
 * a fresh database, dropped after.
 */
const BASE_URL = process.env.TERN_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const CONCURRENCY = 16;
const RUNNER = fileURLToPath(new URL("./jobs-runner.ts", import.meta.url));
// Until migration 5 creates it.
const JOB_WORKERS_DDL = `CREATE TABLE job_workers (worker_id TEXT PRIMARY KEY, process TEXT NOT NULL,
  started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL)`;

const wallNow = () => performance.timeOrigin + performance.now();

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

interface Scenario {
  url: string;
  pool: pg.Pool;
  runners: ChildProcess[];
}

async function withScenario<T>(fn: (s: Scenario) => Promise<T>): Promise<T> {
  const name = `tern_t_bench_${randomBytes(5).toString("hex")}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  // Enough connections that the enqueuer's commits (an fsync each) are rarely what is measured,
  // few enough to leave a shared server's max_connections (100) to the runners and others.
  const pool = new pg.Pool({ connectionString: url.toString(), max: 16 });
  const runners: ChildProcess[] = [];
  try {
    await installJobSchema(pool);
    await pool.query(JOB_WORKERS_DDL);
    return await fn({ url: url.toString(), pool, runners });
  } finally {
    await Promise.all(
      runners.map(async (child) => {
        if (child.exitCode !== null) return;
        child.send("stop");
        await Promise.race([once(child, "exit"), sleep(10_000).then(() => child.kill("SIGKILL"))]);
      }),
    );
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function startRunners(s: Scenario, count: number) {
  for (let i = 0; i < count; i++) {
    const child = fork(
      RUNNER,
      [
        JSON.stringify({
          url: s.url,
          processName: `bench-${i}`,
          concurrency: CONCURRENCY,
          queueGcIntervalMs: 0,
        }),
      ],
      {
        execArgv: ["--import", "tsx"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    s.runners.push(child);
    await once(child, "message");
  }
}

interface Report {
  latencies: number[];
  starts: [number, number][];
  done: number;
}

async function report(s: Scenario): Promise<Report> {
  const replies = await Promise.all(
    s.runners.map(async (child) => {
      const reply = once(child, "message");
      child.send("report");
      return (await reply)[0] as Report;
    }),
  );
  return {
    latencies: replies.flatMap((r) => r.latencies),
    starts: replies.flatMap((r) => r.starts),
    done: replies.reduce((n, r) => n + r.done, 0),
  };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function latency(runnerCount: number, ratePerSec: number, seconds: number, queues: number) {
  return withScenario(async (s) => {
    await startRunners(s, runnerCount);
    await sleep(500);
    const total = ratePerSec * seconds;
    const start = wallNow();
    const inFlight: Promise<unknown>[] = [];
    const commits: number[] = [];
    const committedAt: number[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / ratePerSec;
      const wait = due - wallNow();
      if (wait > 1) await sleep(wait);
      // Open loop: sent on schedule whatever the previous ones are doing.
      const t0 = wallNow();
      const spec = {
        identifier: "latency",
        payload: { t0, i },
        queueName: queues > 0 ? `conv-${i % queues}` : undefined,
      };
      inFlight.push(
        jobQuery(s.pool, addJob(spec)).then(() => {
          const at = wallNow();
          committedAt[i] = at;
          commits.push(at - t0);
        }),
      );
    }
    await Promise.all(inFlight);
    while ((await jobQuery(s.pool, countPendingJobs()))[0]!.n > 0) await sleep(50);
    const { latencies, starts } = await report(s);
    // From the enqueuer seeing its commit to the task's start (negative: the task started first).
    const pickups = starts.map(([i, start]) => start - committedAt[i]!);
    for (const list of [latencies, commits, pickups]) list.sort((a, b) => a - b);
    return {
      n: latencies.length,
      p50: pct(latencies, 50),
      p99: pct(latencies, 99),
      pickupP50: pct(pickups, 50),
      pickupP99: pct(pickups, 99),
      commitP50: pct(commits, 50),
      commitP99: pct(commits, 99),
    };
  });
}

async function throughput(
  runnerCount: number,
  options: { jobs: number; queues: number; waitingConversations?: number },
) {
  return withScenario(async (s) => {
    const total = options.jobs;
    if (options.waitingConversations) {
      const inAnHour = Date.now() + 3_600_000;
      await insertJobs(
        s.pool,
        Array.from({ length: options.waitingConversations }, (_, i) => ({
          identifier: "noop",
          payload: {},
          queueName: `waiting-${i}`,
          runAt: inAnHour,
        })),
      );
    }
    await startRunners(s, runnerCount);
    await sleep(500);
    const specs: JobSpec[] = Array.from({ length: total }, (_, i) => ({
      identifier: "noop",
      payload: {},
      queueName: options.queues > 0 ? `conv-${i % options.queues}` : undefined,
    }));
    const start = wallNow();
    await insertJobs(s.pool, specs);
    const committed = wallNow();
    const target = options.waitingConversations ?? 0;
    while ((await jobQuery(s.pool, countPendingJobs()))[0]!.n > target) await sleep(20);
    const elapsed = wallNow() - committed;
    const { done } = await report(s);
    return { jobs: done, perSec: (done / elapsed) * 1000, insertMs: committed - start };
  });
}

/** One transaction, batches of 5,000 per round trip. */
async function insertJobs(pool: pg.Pool, specs: JobSpec[]) {
  await jobTransaction(pool, async (tx) => {
    for (let i = 0; i < specs.length; i += 5_000) await jobQuery(tx, addJobs(specs.slice(i, i + 5_000)));
  });
}

const LATENCY_RUNS = [
  [1, 50, 500],
  [1, 200, 500],
  [2, 200, 500],
  [1, 200, 0],
] as const;

const row = (...cells: (string | number)[]) => console.log(cells.map(String).join("  |  "));
const runnersLabel = (n: number) => `${n} runner${n > 1 ? "s" : ""}`;

console.log(
  `job engine bench: ${availableParallelism()} CPUs, concurrency ${CONCURRENCY} per runner process`,
);
// `TERN_BENCH_JOBS=latency,throughput,queue-rows` (default all) picks parts.
const parts = new Set((process.env.TERN_BENCH_JOBS ?? "latency,throughput,queue-rows").split(","));
for (const [n, rate, queues] of parts.has("latency") ? LATENCY_RUNS : []) {
  const r = await latency(n, rate, 10, queues);
  row(
    `latency, ${runnersLabel(n)}, ${rate} jobs/s × 10 s, ${queues ? `${queues} queues` : "no queue"}`,
    `send→start p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (n=${r.n})`,
    `commit→start p50 ${r.pickupP50.toFixed(1)} ms, p99 ${r.pickupP99.toFixed(1)} ms`,
    `enqueue commit p50 ${r.commitP50.toFixed(1)} ms, p99 ${r.commitP99.toFixed(1)} ms`,
  );
}
for (const n of parts.has("throughput") ? [1, 2] : []) {
  for (const queues of [0, 64, 2_000]) {
    const r = await throughput(n, { jobs: 20_000, queues });
    row(
      `throughput, ${runnersLabel(n)}, 20,000 noop jobs, ${queues ? `${queues} queues` : "no queue"}`,
      `${r.perSec.toFixed(0)} jobs/s`,
      `(enqueue of all: ${r.insertMs.toFixed(0)} ms)`,
    );
  }
}
for (const waiting of parts.has("queue-rows") ? [10_000, 50_000] : []) {
  const r = await throughput(1, { jobs: 2_000, queues: 2_000, waitingConversations: waiting });
  row(
    `throughput, 1 runner, 2,000 jobs over 2,000 queues, + ${waiting} queues holding a timer job`,
    `${r.perSec.toFixed(0)} jobs/s`,
  );
}
