import { AppError, pausedUntil } from "../core/app-error.js";

/**
 * An effect still failing for a reason that passes (a 503, a gateway's page) when its last attempt
 * ran out: its error says so, and the step and the run failed there keep it. The far side's
 * sentence says what happened; nothing retries it any more, so it must not read "retrying".
 * `details.attempts` tells the engine the run can simply be retried (flows/failed-run.ts).
 */
export function attemptsRanOut(error: AppError, attempts: number): AppError {
  if (error.retry === "never" || pausedUntil(error.retry) !== null) return error;
  return new AppError(error.code, `${error.message} Failed after ${attempts} attempts.`, {
    cause: error.cause,
    retry: error.retry,
    details: { ...error.details, attempts },
    flowFields: error.flowFields,
  });
}
