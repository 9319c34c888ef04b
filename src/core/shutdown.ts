import type { Logger } from "pino";

/**
 * Runs a process's shutdown steps in order, each even when one before it failed: a database that
 * is down while a job runner hands its work back must not keep the HTTP server, the timers and
 * the pool open (a process that never exits and answers nothing). Each failure is logged as it
 * happens; the first is rethrown once every step has run, so the caller can exit non-zero.
 */
export async function runShutdownSteps(
  logger: Pick<Logger, "error">,
  steps: ReadonlyArray<readonly [what: string, step: () => unknown]>,
): Promise<void> {
  const failures: unknown[] = [];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      failures.push(err);
      logger.error({ err }, `shutdown: ${what} failed; going on with the rest`);
    }
  }
  if (failures.length > 0) throw failures[0];
}
