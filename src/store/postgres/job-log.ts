import { Logger } from "graphile-worker";
import type { Logger as Pino } from "pino";

/** What the job engine logs through: Tern's pino logger (or anything with these four methods). */
export type JobLog = Pick<Pino, "debug" | "info" | "warn" | "error">;

interface GraphileMeta {
  error?: unknown;
  job?: { id?: unknown; task_identifier?: unknown; attempts?: unknown };
  failure?: boolean;
}

/**
 * graphile-worker's log lines into Tern's logger. Its `info` is per job ("Completed task …") and
 * goes to debug; its own debug is dropped. A failed attempt (`failure`) is a warning: the job is
 * retried, and the runner logs the final failure itself. The `job` in graphile's meta carries the
 * payload (customer data), so only its id, task and attempt are kept.
 * `downgrade()` true: errors are expected (the runner is handing jobs back) and logged as warnings.
 */
export function graphileLogger(log: JobLog, downgrade: () => boolean = () => false): Logger {
  return new Logger((scope) => (level: string, message: string, rawMeta?: object) => {
    const meta = (rawMeta ?? {}) as GraphileMeta;
    const fields: Record<string, unknown> = { component: "graphile-worker" };
    if (scope.workerId !== undefined) fields.workerId = scope.workerId;
    if (meta.error !== undefined) fields.err = meta.error;
    if (meta.job !== undefined) {
      fields.jobId = String(meta.job.id);
      fields.task = meta.job.task_identifier;
      fields.attempts = meta.job.attempts;
    }
    if (level === "error" && !meta.failure && !downgrade()) log.error(fields, message);
    else if (level === "error" || level === "warning") log.warn(fields, message);
    else if (level === "info") log.debug(fields, message);
  });
}

/** For migrations run without a logger: warnings and errors to stderr, nothing else. */
export function quietGraphileLogger(): Logger {
  return new Logger(() => (level: string, message: string) => {
    if (level === "error" || level === "warning") console.error(`graphile-worker: ${message}`);
  });
}
