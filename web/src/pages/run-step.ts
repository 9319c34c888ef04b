import type { RunSummary } from "../api/types";

/**
 * The step a run is at, or the one it failed or ended at: the API's `currentStep` is null once a
 * run is over, and a failed run's step is in its `error` (an ended one's in `endReason`).
 */
export function runStepOf(run: RunSummary): { label: string; stepId: string | null } {
  if (run.status === "failed") return { label: "Failed at step", stepId: run.error?.stepId ?? null };
  if (run.status === "ended") return { label: "Ended at step", stepId: run.endReason?.stepId ?? null };
  return { label: "Current step", stepId: run.currentStep ?? run.waitingFor?.stepId ?? null };
}
