import type { RunState } from "./runtime.js";

/** Enters the next step with a new visit number, or completes the run (or the subflow). */
export function moveTo(state: RunState, next: string | null): void {
  if (next === null) {
    state.status = "completed";
    state.cursor = null;
    return;
  }
  state.visits += 1;
  state.status = "running";
  state.cursor = { stepId: next, visit: state.visits };
}
