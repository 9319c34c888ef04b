import { type RawBuilder, sql } from "kysely";

/**
 * The SQL Tern needs from graphile-worker 0.17.3, as Kysely raw builders. A caller compiles them
 * against its executor's `q`, so a job is enqueued in the same transaction as the row it is about:
 *
 *   await tx.run({ compile: () => addJob({ identifier: "conversation", payload, queueName: key }).compile(tx.q) });
 *
 * Nothing runs until COMMIT: a rolled-back transaction leaves no job, and the workers' LISTEN
 * (`jobs:insert`, sent by `add_job(s)`) fires at commit. Every enqueue must go through
 * `addJob`/`addJobs` (they take the queue-GC lock). graphile's functions and views are used
 * throughout; its private tables only by the queue-unlocked trigger, the queue GC and
 * `unlockFinishedJobs`.
 */

/** graphile-worker's schema, passed explicitly everywhere (its env/config defaults are ignored). */
export const JOB_SCHEMA = "graphile_worker";

/**
 * `replace` (default): a job with the same key that has not started is replaced (payload, run_at,
 * attempts reset); one that is running keeps running and a new job is added.
 * `preserve_run_at`: as replace, but a waiting job keeps its run_at. `unsafe_dedupe`: the existing
 * job, running or not, wins and nothing is added (single `addJob` only: `add_jobs` lacks it).
 */
export type JobKeyMode = "replace" | "preserve_run_at" | "unsafe_dedupe";

export interface JobSpec {
  /** Task name (`tasks` key of the runner). */
  identifier: string;
  payload: unknown;
  /** Jobs of one queue run one at a time, in run_at order (Tern: the conversation key). */
  queueName?: string;
  /** Not before this time (ms since epoch, or a Date). Default: now, in enqueue order. */
  runAt?: number | Date;
  /** Replaces or dedupes jobs with the same key (an `ask` timeout per run, say). */
  jobKey?: string;
  jobKeyMode?: JobKeyMode;
  /** Attempts before the job is given up (graphile default 25, back-off exp(min(attempt,10)) s). */
  maxAttempts?: number;
  /** Lower runs first (default 0). */
  priority?: number;
}

export interface AddedJob {
  /** bigint as text, whatever the pool's int8 parser. */
  id: string;
  key: string | null;
}

/**
 * Enqueuers hold this advisory lock shared until their transaction ends; the queue GC
 * (`job-queue-gc.ts`) takes it exclusive. Without it the GC could delete an empty queue between
 * `add_job`'s "ensure the queue exists" and its insert (the job would lose its queue and run in
 * parallel), or delete a queue whose first job is not committed yet (the job would never run).
 */
export const JOB_QUEUE_GC_LOCK = 0x7465726e; // "tern"

/** `from` clause that takes the lock before the function it is laterally joined to runs. */
const gcGate = sql`from (select pg_advisory_xact_lock_shared(${sql.lit(JOB_QUEUE_GC_LOCK)}::bigint), ''::text as after_lock) as gc`;

const isoOrNull = (at: number | Date | undefined): string | null =>
  at === undefined ? null : new Date(at).toISOString();

/**
 * One job. Without `runAt` the job's run_at is `clock_timestamp()` rather than add_job's `now()`:
 * now() is the transaction's start, equal for every job of a transaction, and graphile orders a
 * queue by (priority, run_at) with no tie-break, so equal run_ats could run out of enqueue order.
 */
export function addJob(spec: JobSpec): RawBuilder<AddedJob> {
  return sql<AddedJob>`select j.id::text as id, j.key ${gcGate}
  cross join lateral graphile_worker.add_job(
    identifier => ${spec.identifier}::text || gc.after_lock,
    payload => ${JSON.stringify(spec.payload ?? {})}::json,
    queue_name => ${spec.queueName ?? null}::text,
    run_at => coalesce(${isoOrNull(spec.runAt)}::timestamptz, clock_timestamp()),
    max_attempts => ${spec.maxAttempts ?? null}::int,
    job_key => ${spec.jobKey ?? null}::text,
    priority => ${spec.priority ?? null}::int,
    job_key_mode => ${spec.jobKeyMode ?? null}::text
  ) as j`;
}

/**
 * Many jobs in one round trip (`add_jobs`). Jobs without `runAt` get strictly increasing run_ats
 * in array order (clock_timestamp() + i µs), so a queue's jobs of one batch run in array order.
 * `add_jobs` takes one key mode for the whole call: specs with a key must agree on `replace` or
 * `preserve_run_at`. Rows come back for inserted or replaced jobs, in no promised order.
 */
export function addJobs(specs: readonly JobSpec[]): RawBuilder<AddedJob> {
  if (specs.length === 0) return sql<AddedJob>`select null::text as id, null::text as key where false`;
  const modes = new Set(specs.filter((s) => s.jobKey !== undefined).map((s) => s.jobKeyMode ?? "replace"));
  if (modes.has("unsafe_dedupe")) throw new Error("addJobs: unsafe_dedupe is only available on addJob");
  if (modes.size > 1) throw new Error("addJobs: every keyed job of one batch must use the same jobKeyMode");
  const rows = specs.map((spec) => ({
    identifier: spec.identifier,
    payload: spec.payload ?? {},
    queue_name: spec.queueName ?? null,
    run_at: isoOrNull(spec.runAt),
    max_attempts: spec.maxAttempts ?? null,
    job_key: spec.jobKey ?? null,
    priority: spec.priority ?? null,
  }));
  return sql<AddedJob>`select j.id::text as id, j.key ${gcGate}
  cross join lateral graphile_worker.add_jobs(
    array(
      select row(
        (s.el->>'identifier') || gc.after_lock,
        s.el->'payload',
        s.el->>'queue_name',
        coalesce((s.el->>'run_at')::timestamptz, clock_timestamp() + s.n * interval '1 microsecond'),
        (s.el->>'max_attempts')::smallint,
        s.el->>'job_key',
        (s.el->>'priority')::smallint,
        null::text[]
      )::graphile_worker.job_spec
      from json_array_elements(${JSON.stringify(rows)}::json) with ordinality as s(el, n)
      order by s.n
    ),
    ${modes.has("preserve_run_at")}::boolean
  ) as j`;
}

/**
 * Removes the job with this key if it waits; one that runs loses its key and is not retried
 * (graphile's `remove_job`). Returns the job's row if there was one.
 */
export function removeJob(jobKey: string): RawBuilder<{ id: string | null }> {
  return sql<{ id: string | null }>`select (graphile_worker.remove_job(${jobKey}::text)).id::text as id`;
}

/**
 * Deletes every job of `task` whose payload names this conversation: waiting, failed for good, or
 * left locked by a process that died. `remove_job` only reaches the job that still has its key: a
 * job that lost it (replaced while it ran, then its worker killed) stays, and its payload holds the
 * conversation key, a phone number (the right to erasure). A locked row deleted under a live
 * worker is harmless: graphile completes or fails it by id, which then finds nothing.
 */
export function removeJobsNaming(task: string, conversationKey: string): RawBuilder<{ id: string }> {
  return sql<{ id: string }>`delete from graphile_worker._private_jobs j
    using graphile_worker._private_tasks t
    where j.task_id = t.id and t.identifier = ${task} and j.payload->>'key' = ${conversationKey}
    returning j.id::text as id`;
}

/**
 * Deletes jobs of these tasks that gave up (every attempt used) and were last touched before
 * `before` (ms): graphile keeps a failed job for ever, with its payload (retention).
 */
export function removeDeadJobs(tasks: readonly string[], before: number): RawBuilder<{ id: string }> {
  return sql<{ id: string }>`delete from graphile_worker._private_jobs j
    using graphile_worker._private_tasks t
    where j.task_id = t.id and t.identifier = any(${[...tasks]}::text[])
      and j.attempts >= j.max_attempts
      and (j.locked_at is null or j.locked_at < now() - interval '4 hours')
      and j.updated_at < to_timestamp(${before}::double precision / 1000)
    returning j.id::text as id`;
}

/** The queue a job belongs to (through the public `jobs` view). */
export function queueNameOfJob(jobId: string): RawBuilder<{ queue_name: string | null }> {
  return sql<{
    queue_name: string | null;
  }>`select queue_name from graphile_worker.jobs where id = ${jobId}::bigint`;
}

/** Jobs not yet finished nor given up: waiting, scheduled, retrying or running (backlog gauge). */
export function countPendingJobs(): RawBuilder<{ n: number }> {
  return sql<{
    n: number;
  }>`select count(*)::int as n from graphile_worker.jobs where attempts < max_attempts`;
}

/** Jobs due now: waiting to be taken or running (what `worker.idle()` waits for). */
export function countDueJobs(): RawBuilder<{ n: number }> {
  return sql<{
    n: number;
  }>`select count(*)::int as n from graphile_worker.jobs where attempts < max_attempts and run_at <= now()`;
}

/** Which of these job keys a job still holds that will run (waiting, held back or running). */
export function liveJobKeys(jobKeys: readonly string[]): RawBuilder<{ key: string }> {
  return sql<{
    key: string;
  }>`select key from graphile_worker.jobs where key = any(${jobKeys}::text[]) and attempts < max_attempts`;
}

/** Jobs (and queues) locked by these graphile lock owners (`locked_by`). */
export function countLockedJobs(lockOwners: readonly string[]): RawBuilder<{ n: number }> {
  return sql<{
    n: number;
  }>`select count(*)::int as n from graphile_worker.jobs where locked_by = any(${lockOwners}::text[])`;
}

/**
 * Unlocks every job and queue these owners hold, for another runner to take now. Their attempt
 * counts stay (the attempt started). Without a notify, idle runners would only see the jobs at
 * their next poll: `wakeRunners` after it.
 */
export function forceUnlockWorkers(lockOwners: readonly string[]): RawBuilder<unknown> {
  return sql`select graphile_worker.force_unlock_workers(${lockOwners}::text[])`;
}

/**
 * Unlocks jobs that `owner` still holds at the attempt it ran them for, after their task ended in
 * this process: graphile's batched complete or fail was lost with its connection (0.17.3 leaves
 * such a job locked by a live runner until its 4-hour lock reset). A job fetched again since has
 * another attempt count and is left alone. Followed by `wakeRunners`.
 */
export function unlockFinishedJobs(
  owner: string,
  jobs: ReadonlyArray<{ id: string; attempts: number }>,
): RawBuilder<{ id: string }> {
  return sql<{ id: string }>`update graphile_worker._private_jobs as j
    set locked_at = null, locked_by = null
    from unnest(${jobs.map((job) => job.id)}::bigint[], ${jobs.map((job) => job.attempts)}::int[]) as f(id, attempts)
    where j.id = f.id and j.locked_by = ${owner} and j.attempts = f.attempts
    returning j.id::text as id`;
}

/** The notification `add_jobs` sends: idle runners fetch at once (delivered at commit). */
export function wakeRunners(count: number): RawBuilder<unknown> {
  return sql`select pg_notify('jobs:insert', json_build_object('r', random(), 'count', ${count}::int)::text)`;
}
