import type pg from "pg";
import type { JobLog } from "../../store/postgres/job-log.js";
import { collectEmptyJobQueues } from "../../store/postgres/job-queue-gc.js";

/**
 * Runs the empty-queue collection every `intervalMs` ± 50 % (runners started together spread
 * out). Several runners collecting is harmless: the collection lock serializes them.
 */
export function startQueueGc(pool: pg.Pool, intervalMs: number, log: JobLog) {
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  let stopped = intervalMs <= 0;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        round = collectEmptyJobQueues(pool).then(
          (deleted) => {
            if (deleted > 0) log.debug({ deleted }, "deleted empty job queues");
          },
          (error: unknown) => log.warn({ err: error }, "deleting empty job queues failed"),
        );
        void round.finally(schedule);
      },
      intervalMs * (0.5 + Math.random()),
    );
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
