import { api } from "../api/client";
import type { RunDetail, RunSummary } from "../api/types";

/**
 * The run once it is no longer running: the worker takes a retried step at once, and the retry's
 * own answer ("running") is stale by the time the page shows it. Gives up after `tries` reads.
 */
export async function settledRun(id: string, tries = 20, delayMs = 250): Promise<RunDetail> {
  let run = await api.getRun(id);
  for (let i = 1; i < tries && run.status === "running"; i++) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    run = await api.getRun(id);
  }
  return run;
}

/** What a retry of `stepId` came to, in words, from the run as read after it. */
export function retryOutcome(stepId: string | null, run: RunSummary): string {
  const step = stepId ? `step ${stepId}` : "the failed step";
  switch (run.status) {
    case "failed":
      return `Retried ${step}: it failed again${run.error ? ` (${run.error.code})` : ""}. The error is below.`;
    case "waiting":
      return `Retried ${step}: the run goes on and waits at step ${run.waitingFor?.stepId ?? run.currentStep ?? "–"}.`;
    case "completed":
      return `Retried ${step}: the run completed.`;
    case "ended":
      return `Retried ${step}: the run has ended${run.endReason ? ` (${run.endReason.code})` : ""}.`;
    default:
      return `Retried ${step}: the run is still running.`;
  }
}
