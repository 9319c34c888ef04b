import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { migrations } from "../../src/store/migrations.js";

/**
 * Shared by the job engine's tests: the `job_workers` and `conversation_turns` tables exactly as
 * migrations 5 and 6 create them (a runner that reaps frees the turns of the runners it reaps), and
 * `job_log`, where the `record` task writes each run with the database's clock (one clock for
 * every process, so start/end times of different processes compare).
 */
export const JOB_WORKERS_DDL = migrations
  .filter((m) => m.name === "job workers" || m.name === "conversation turns")
  .map((m) => m.postgres)
  .join(";\n");

export const JOB_LOG_DDL = `create table job_log (
  id bigserial primary key, queue text not null, seq int not null, process text not null,
  attempt int not null, started_at timestamptz not null, ended_at timestamptz)`;

export interface RecordPayload {
  queue: string;
  seq: number;
  sleepMs?: number;
  /** This process's name: the task never returns here (its job stays locked until it dies). */
  hangIn?: string;
  /** Throw on these attempts (1-based). */
  failAttempts?: number[];
}

/** The `record` task: logs the run (start, then end once done). */
export function recordTask(db: pg.Pool, processName: string) {
  return async (raw: unknown, helpers: { job: { attempts: number } }) => {
    const payload = raw as RecordPayload;
    const { rows } = await db.query<{ id: string }>(
      `insert into job_log (queue, seq, process, attempt, started_at)
       values ($1, $2, $3, $4, clock_timestamp()) returning id`,
      [payload.queue, payload.seq, processName, helpers.job.attempts],
    );
    if (payload.hangIn === processName) await new Promise(() => {});
    if (payload.sleepMs) await sleep(payload.sleepMs);
    if (payload.failAttempts?.includes(helpers.job.attempts)) {
      throw new Error(`planned failure of attempt ${helpers.job.attempts}`);
    }
    await db.query(`update job_log set ended_at = clock_timestamp() where id = $1`, [rows[0]!.id]);
  };
}

export interface LogRow {
  queue: string;
  seq: number;
  process: string;
  attempt: number;
  /** ms since epoch, database clock, µs precision. */
  startedAt: number;
  endedAt: number | null;
}

export async function readJobLog(db: pg.Pool): Promise<LogRow[]> {
  const { rows } = await db.query<{
    queue: string;
    seq: number;
    process: string;
    attempt: number;
    started_at: number;
    ended_at: number | null;
  }>(`select queue, seq, process, attempt,
        extract(epoch from started_at)::float8 * 1000 as started_at,
        extract(epoch from ended_at)::float8 * 1000 as ended_at
      from job_log order by started_at, id`);
  return rows.map((r) => ({
    queue: r.queue,
    seq: r.seq,
    process: r.process,
    attempt: r.attempt,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  }));
}

/** The database clock now, ms since epoch. */
export async function dbNow(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ t: number }>(
    `select extract(epoch from clock_timestamp())::float8 * 1000 as t`,
  );
  return rows[0]!.t;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface ChildConfig {
  url: string;
  processName: string;
  concurrency: number;
  heartbeatMs?: number;
  staleAfterMs?: number;
  pollIntervalMs?: number;
  batchFetch?: boolean;
}

export interface RunnerChild {
  child: ChildProcess;
  workerIds: string[];
  /** Graceful: the child's runner.stop(), then exit. */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const CHILD = fileURLToPath(new URL("./job-runner-child.ts", import.meta.url));

/** A job runner in its own process (`tsx`), resolved once it runs. */
export async function spawnRunnerChild(config: ChildConfig): Promise<RunnerChild> {
  const child = fork(CHILD, [JSON.stringify(config)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = once(child, "exit");
  const [message] = (await Promise.race([
    once(child, "message"),
    exited.then(([code]) => {
      throw new Error(`runner child ${config.processName} exited with ${code} before it was ready`);
    }),
  ])) as [{ workerIds: string[] }];
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    workerIds: message.workerIds,
    async stop() {
      if (gone()) return;
      child.send("stop");
      await exited;
    },
    async kill() {
      if (gone()) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}
