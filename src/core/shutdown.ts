import type { Logger } from "pino";

/**
 * Runs a process's shutdown steps in order, each even when one before it failed: a database that
 * is down while a job runner hands its work back must not keep the HTTP server, the timers and
 * the pool open (a process that never exits and answers nothing). Each failure is logged as it
 * happens; the first is rethrown once every step has run, so the caller can exit non-zero.
 */
// The step a shutdown waits on now: the deadline's log line names it (one shutdown per process).
let stepInProgress: string | null = null;

/** The shutdown step running now, if any: what to name when the shutdown overruns its deadline. */
export function shutdownStepInProgress(): string | null {
  return stepInProgress;
}

export async function runShutdownSteps(
  logger: Pick<Logger, "error">,
  steps: ReadonlyArray<readonly [what: string, step: () => unknown]>,
): Promise<void> {
  const failures: unknown[] = [];
  for (const [what, step] of steps) {
    stepInProgress = what;
    try {
      await step();
    } catch (err) {
      failures.push(err);
      logger.error({ err }, `shutdown: ${what} failed; going on with the rest`);
    } finally {
      stepInProgress = null;
    }
  }
  if (failures.length > 0) throw failures[0];
}
