import { createHash } from "node:crypto";
import type { Executor, PreCommitFlush } from "../db.js";
import {
  addJob,
  addJobs,
  countDueJobs,
  type JobSpec,
  liveJobKeys,
  removeDeadJobs,
  removeJob,
  removeJobsNaming,
} from "../postgres/jobs-sql.js";

/**
 * The work a committed write asks for, enqueued in that same transaction (PostgreSQL: as
 * graphile-worker jobs, so a job exists if and only if its row does). On SQLite these are no-ops:
 * the one process schedules in memory (lanes and the timeout timer), from the rows themselves.
 */
export const JobTasks = {
  /** Drain a conversation: continue a run left mid-step, then its pending inbox rows in order. */
  conversation: "tern.conversation",
  /**
   * An `ask` or `wait` deadline, as Tern enqueued them before commit aa56a5c. Deadlines are now
   * `runs.timeout_at` read by every worker's timer (queue/README.md): a job per wait cost a
   * graphile `add_job` (~0.5 ms of the server's time) and a row in the jobs table until the
   * deadline, a day for the lead template. Still run, for jobs an upgrade finds in the table.
   */
  timeout: "tern.timeout",
  /** The right to erasure, in the conversation's turn so it never interleaves with its messages. */
  erase: "tern.erase",
  /**
   * The erasure of a phone number's messages waiting in the inbox (no contact has it). A task of
   * its own, not a payload of `tern.erase`: graphile gives a worker only the tasks it knows, and a
   * worker of an earlier build, still running in a rolling upgrade, read `{ phone }` as a contact
   * id it did not find and completed the job, the erasure undone and never tried again.
   */
  eraseStrays: "tern.erase-strays",
} as const;

export interface ConversationJob {
  key: string;
}
export interface TimeoutJob {
  runId: string;
}
/** A contact (`tern.erase`); `{ phone }` only in `tern.erase` jobs of the builds before `eraseStrays`. */
export type EraseJob = { contactId: string } | { phone: string };
/** A phone number whose messages wait in the inbox, no contact having it (`tern.erase-strays`). */
export interface EraseStraysJob {
  phone: string;
}

/**
 * A conversation's job key: one waiting job per conversation is enough, it drains every pending
 * row. Hashed: the key holds the customer's phone number.
 */
export function conversationJobKey(key: string): string {
  return `c:${createHash("sha256").update(key).digest("base64url").slice(0, 24)}`;
}

// No named queue: graphile 0.17 row-locks every queue row on each fetch, so a queue per
// conversation made every job slower (queue/jobs/README.md). One at a time per conversation is
// the conversation's turn the task takes; the key keeps one waiting job per conversation (a
// running one keeps running, and this one, replacing any waiting one, looks for work after it).
export const conversationJobSpec = (key: string, runAt?: number): JobSpec => ({
  identifier: JobTasks.conversation,
  payload: { key } satisfies ConversationJob,
  jobKey: conversationJobKey(key),
  jobKeyMode: "replace",
  runAt,
});

/**
 * Enqueues on `x` (inside its transaction): one spec with `add_job`, several with `add_jobs`.
 *
 * graphile 0.17's `add_jobs` first clears the key of keyed jobs that are running, then upserts
 * "where not locked". A waiting job that a worker locks between those two statements gets neither
 * replaced nor joined by a new one: the spec silently enqueues nothing, and if that job had already
 * looked for work before this transaction commits, the conversation's new message waits for the
 * next restart. `add_job` upserts first and only then clears and inserts, so it cannot lose a spec:
 * a keyed spec that `add_jobs` returned no row for goes through it (rare; one more round trip).
 */
async function addOn(x: Executor, spec: JobSpec | JobSpec[]): Promise<void> {
  const specs = Array.isArray(spec) ? spec : [spec];
  if (specs.length === 1) {
    await x.all({ compile: () => addJob(specs[0] as JobSpec).compile(x.q) });
    return;
  }
  const added = await x.all({ compile: () => addJobs(specs).compile(x.q) });
  if (added.length >= specs.length) return;
  const keys = new Set(added.map((row) => row.key));
  for (const lost of specs.filter((s) => s.jobKey !== undefined && !keys.has(s.jobKey)))
    await x.all({ compile: () => addJob(lost).compile(x.q) });
}

/**
 * PostgreSQL, inside a transaction: each conversation's job, due now. In job-key order: the
 * upserts lock the job rows in that order, so two groups enqueueing the same conversations
 * (a customer's two messages in both group slots) cannot deadlock on them.
 */
export const enqueueConversationJobs: PreCommitFlush = async (tx, keys) => {
  if (keys.length > 0)
    await addOn(
      tx,
      keys.map((k) => conversationJobSpec(k)).sort((a, b) => compare(a.jobKey, b.jobKey)),
    );
};

const compare = (a = "", b = "") => (a < b ? -1 : a > b ? 1 : 0);

export function createJobRepo(exec: Executor) {
  const isPostgres = exec.dialect === "postgres";
  const run = async (spec: JobSpec | JobSpec[]): Promise<void> => {
    if (isPostgres) await addOn(exec, spec);
  };
  return {
    /** Inside `store.write`: these conversations have new work (rows committed with this write). */
    async conversations(keys: readonly string[], runAt?: number): Promise<void> {
      if (keys.length === 0 || !isPostgres) return;
      // Now-jobs wait for COMMIT: a group commit of many webhooks enqueues them in one call.
      if (runAt === undefined && exec.beforeCommit)
        return exec.beforeCommit("jobs.conversations", keys, enqueueConversationJobs);
      await run(keys.map((k) => conversationJobSpec(k, runAt)));
    },
    /** Jobs due now, waiting or running, in every process (0 on SQLite). */
    async due(): Promise<number> {
      if (!isPostgres) return 0;
      const row = await exec.get({ compile: () => countDueJobs().compile(exec.q) });
      return Number(row?.n ?? 0);
    },
    /** Of these conversations, those with a job that will still run (PostgreSQL; none on SQLite). */
    async conversationsWithJobs(keys: readonly string[]): Promise<Set<string>> {
      if (!isPostgres || keys.length === 0) return new Set();
      const byJobKey = new Map(keys.map((k) => [conversationJobKey(k), k]));
      const rows = await exec.all({ compile: () => liveJobKeys([...byJobKey.keys()]).compile(exec.q) });
      return new Set(rows.map((row) => byJobKey.get(row.key) as string));
    },
    /** Inside `store.write`: erase a contact, in its conversation's turn. */
    async erase(contactId: string, runAt?: number): Promise<void> {
      await run({ identifier: JobTasks.erase, payload: { contactId } satisfies EraseJob, runAt });
    },
    /**
     * Inside `store.write`: erase the messages from a phone number waiting in the inbox where it
     * is nobody's identity (`retention.strayConversations`), each in its conversation's turn.
     */
    async eraseStrays(phone: string, runAt?: number): Promise<void> {
      await run({ identifier: JobTasks.eraseStrays, payload: { phone } satisfies EraseStraysJob, runAt });
    },
    /** Inside `store.write`: drop the conversation's waiting job (its payload holds the key). */
    async forgetConversation(key: string): Promise<void> {
      if (!isPostgres) return;
      await exec.all({ compile: () => removeJob(conversationJobKey(key)).compile(exec.q) });
      await exec.all({ compile: () => removeJobsNaming(JobTasks.conversation, key).compile(exec.q) });
    },
    /** Inside `store.write` (retention): Tern's jobs that gave up before `before`; how many. */
    async pruneDead(before: number): Promise<number> {
      if (!isPostgres) return 0;
      const tasks = Object.values(JobTasks);
      return (await exec.all({ compile: () => removeDeadJobs(tasks, before).compile(exec.q) })).length;
    },
  };
}
export type JobRepo = ReturnType<typeof createJobRepo>;
