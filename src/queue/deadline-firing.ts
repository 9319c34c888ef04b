import type { RunEvent } from "../flows/runtime.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { Store } from "../store/store.js";
import type { Lanes } from "./lanes.js";

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
