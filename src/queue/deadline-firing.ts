import type { Clock } from "../core/clock.js";
import type { RunEvent } from "../flows/runtime.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { Store } from "../store/store.js";
import type { Lanes } from "./lanes.js";
import { createTimer } from "./timer.js";

export interface DeadlineFiringDeps {
  store: Store;
  now(): number;
  /** Jobs (PostgreSQL): deadlines go to their conversations' jobs; absent: lanes. */
  jobs?: {
    enqueueDeadlines(due: RunRow[]): Promise<void>;
    /** Conversations with pending messages and no job (a lost wake-up); how many were enqueued. */
    rescueStranded(): Promise<number>;
  };
  lanes: Pick<Lanes, "push">;
  advanceOrFail(run: RunRow, event: RunEvent): Promise<void>;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What the worker's timer does when deadlines (`runs.timeout_at`) have passed. */
export function createDeadlineFiring(deps: DeadlineFiringDeps): () => Promise<void> {
  const { store, lanes, jobs } = deps;
  return async () => {
    const due = await store.runs.dueTimeouts(deps.now());
    // Jobs: each deadline goes to its conversation's job, which fires it in the turn.
    if (jobs) {
      await jobs.enqueueDeadlines(due);
      const rescued = await jobs.rescueStranded();
      if (rescued > 0)
        deps.warn(
          { conversations: rescued },
          "messages were pending with no job to take them (a lost wake-up); enqueued their conversations' jobs",
        );
      return;
    }
    for (const run of due) {
      lanes.push(run.conversationKey, async () => {
        const fresh = await store.runs.get(run.id);
        if (fresh?.status !== "waiting") return;
        // As in a job's turn (drainHeld): a message pending for a run that waits for a reply
        // decides (processItem, next in this lane): the answer when it came before the
        // deadline, else the deadline first. A task pushed here runs before pending rows, so
        // firing now timed out a question answered in time while the lanes were busy.
        if (fresh.state.wait?.for !== "retry" && (await store.inbox.nextPending(run.conversationKey))) return;
        await deps.advanceOrFail(fresh, { type: "timeout" });
      });
    }
  };
}

/**
 * Jobs: how often each worker process reads the earliest deadline of every waiting run (one
 * indexed read). Deadlines this process sets arm its timer at once; this bounds how late one fires
 * when the process that set it died.
 */
const JOBS_DEADLINE_POLL_MS = 5_000;

/**
 * The worker's timer for run deadlines: armed for the earliest `runs.timeout_at`, it fires what is
 * due (`createDeadlineFiring`); with jobs it also looks every JOBS_DEADLINE_POLL_MS.
 */
export function createDeadlineTimer(
  deps: DeadlineFiringDeps & { clock: Clock; onError(error: unknown): void },
) {
  return createTimer({
    clock: deps.clock,
    next: () => deps.store.runs.nextTimeoutAt(),
    fire: createDeadlineFiring(deps),
    onError: deps.onError,
    // Jobs: a deadline set by a process that has died since is read within this long.
    ...(deps.jobs ? { maxSleepMs: JOBS_DEADLINE_POLL_MS } : {}),
  });
}
