import type { AppError } from "../core/app-error.js";

/**
 * The stored error of a run that failed at a step. One whose effect ran out of attempts for a
 * reason that passes (`details.attempts`, queue/attempts-ran-out.ts) is waited out, not fixed:
 * nothing retries the run any more, so its error says how to.
 */
export function failedRunMessage(runId: string, error: AppError): string {
  if (typeof error.details?.attempts !== "number") return error.message;
  return `${error.message} When the cause has passed, retry the run (Retry on the run's page, or POST /api/v1/runs/${runId}/retry); what already happened is not repeated.`;
}
