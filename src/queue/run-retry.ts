import { AppError } from "../core/app-error.js";
import type { RunState } from "../flows/runtime.js";
import type { RunRow } from "../store/repos/run-repo.js";

/**
 * The state that retries a failed run from its failed step (`POST /runs/:id/retry`). The step
 * runs again with a new visit (its own history record; the failed one stays). Which effect keys
 * it uses decides what the customer and Salesforce see again:
 *
 * - the step failed while it started (a send refused, a Salesforce create that failed, an http
 *   call): the new visit reuses the failed visit's keys, as a crash re-execution does. An effect
 *   that happened before the failure (`done`, e.g. the message a step sent before its Salesforce
 *   call failed) returns its recorded result and is not repeated; the failed one (`failed`) is
 *   attempted again; one whose outcome was unknown (`in_flight`) is reconciled first.
 * - the step failed while resuming a wait (an `ask` whose answers stayed invalid): the visit's
 *   effects all happened and are the conversation so far; the retry asks again, with new keys.
 */
export function retryState(run: RunRow): RunState {
  const { state } = run;
  if (run.status !== "failed")
    throw new AppError("CONFLICT", `Run ${run.id} is ${run.status}; only a failed run can be retried.`);
  const error = state.error;
  if (!error?.stepId)
    throw new AppError(
      "CONFLICT",
      `Run ${run.id} failed outside a step (${error?.code ?? "unknown"}), so there is no step to retry from.`,
    );
  const visit = state.visits + 1;
  const effectVisits = { ...state.effectVisits };
  if (error.visit !== undefined && !error.resumed)
    effectVisits[String(visit)] = state.effectVisits?.[String(error.visit)] ?? error.visit;
  return {
    ...state,
    status: "running",
    cursor: { stepId: error.stepId, visit },
    visits: visit,
    wait: null,
    error: null,
    endReason: null,
    effectVisits,
  };
}
