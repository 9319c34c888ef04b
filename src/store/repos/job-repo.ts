import { createHash } from "node:crypto";
import type { Executor } from "../db.js";
import { addJob, addJobs, countDueJobs, type JobSpec } from "../postgres/jobs-sql.js";

/**
 * The work a committed write asks for, enqueued in that same transaction (PostgreSQL: as
 * graphile-worker jobs, so a job exists if and only if its row does). On SQLite these are no-ops:
 * the one process schedules in memory (lanes and the timeout timer), from the rows themselves.
 */
export const JobTasks = {
  /** Drain a conversation: continue a run left mid-step, then its pending inbox rows in order. */
  conversation: "tern.conversation",
  /** An `ask` or `wait` deadline of a waiting run. */
  timeout: "tern.timeout",
  /** The right to erasure, in the conversation's queue so it never interleaves with its messages. */
  erase: "tern.erase",
} as const;

export interface ConversationJob {
  key: string;
}
export interface TimeoutJob {
  runId: string;
}
export interface EraseJob {
  contactId: string;
}

/**
 * A conversation's queue name: one queue per conversation makes graphile run its jobs one at a
 * time. Hashed: the key holds the customer's phone number, and queue rows outlive the jobs.
 */
export function conversationQueue(key: string): string {
  return `c:${createHash("sha256").update(key).digest("base64url").slice(0, 24)}`;
}

export function createJobRepo(exec: Executor) {
  const isPostgres = exec.dialect === "postgres";
  const run = async (spec: JobSpec | JobSpec[]): Promise<void> => {
    if (!isPostgres) return;
    const query = Array.isArray(spec) ? addJobs(spec) : addJob(spec);
    await exec.all({ compile: () => query.compile(exec.q) });
  };
  const conversationSpec = (key: string, runAt?: number): JobSpec => ({
    identifier: JobTasks.conversation,
    payload: { key } satisfies ConversationJob,
    queueName: conversationQueue(key),
    // One waiting job per conversation is enough: it drains every pending row. A job that is
    // already running keeps running, and this one (replacing any waiting one) runs after it.
    jobKey: `c:${conversationQueue(key)}`,
    jobKeyMode: "replace",
    runAt,
  });
  return {
    /** Inside `store.write`: these conversations have new work (rows committed with this write). */
    async conversations(keys: readonly string[], runAt?: number): Promise<void> {
      if (keys.length === 0) return;
      await run(
        keys.length === 1
          ? conversationSpec(keys[0] as string, runAt)
          : keys.map((k) => conversationSpec(k, runAt)),
      );
    },
    /** Inside `store.write`: wake this waiting run at its deadline (replaces an earlier one). */
    async timeout(runId: string, _key: string, at: number): Promise<void> {
      await run({
        identifier: JobTasks.timeout,
        payload: { runId } satisfies TimeoutJob,
        // No queue: every waiting conversation would otherwise keep a queue row that each job
        // fetch pays for (queue/jobs/README.md). The timeout job only enqueues the
        // conversation's job, which advances the run in the conversation's turn.
        jobKey: `t:${runId}`,
        jobKeyMode: "replace",
        runAt: at,
      });
    },
    /** Jobs due now, waiting or running, in every process (0 on SQLite). */
    async due(): Promise<number> {
      if (!isPostgres) return 0;
      const row = await exec.get({ compile: () => countDueJobs().compile(exec.q) });
      return Number(row?.n ?? 0);
    },
    /** Inside `store.write`: erase a contact in its conversation's queue. */
    async erase(contactId: string, key: string): Promise<void> {
      await run({
        identifier: JobTasks.erase,
        payload: { contactId } satisfies EraseJob,
        queueName: conversationQueue(key),
      });
    },
  };
}
export type JobRepo = ReturnType<typeof createJobRepo>;
