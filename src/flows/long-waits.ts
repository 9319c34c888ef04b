import { parseDurationMs } from "./duration.js";
import type { ValidationIssue } from "./issues.js";

/** Step types whose `timeout` bounds one request, not a wait for the customer. */
const REQUEST_TIMEOUTS = new Set(["http"]);

/**
 * Warnings for waits longer than this server's TERN_MAX_WAIT: the engine ends such a run
 * (`WAIT_EXPIRED`) when the maximum is reached, so a `wait` of P60D never takes its `next` and an
 * ask's `timeout: P60D` never its `onTimeout`. Said at validate, import and publish, where the
 * author still can shorten the wait or the operator raise the maximum, not 30 days later.
 */
export function longWaits(input: unknown, maxWaitMs: number | undefined): ValidationIssue[] {
  if (maxWaitMs === undefined || typeof input !== "object" || input === null) return [];
  const steps = (input as { steps?: unknown }).steps;
  if (!Array.isArray(steps)) return [];
  const issues: ValidationIssue[] = [];
  steps.forEach((step: unknown, i) => {
    if (typeof step !== "object" || step === null) return;
    const { id, type, duration, timeout } = step as Record<string, unknown>;
    const waits: Array<[string, unknown]> = [["duration", duration]];
    if (!REQUEST_TIMEOUTS.has(String(type))) waits.push(["timeout", timeout]);
    for (const [key, value] of waits) {
      const ms = typeof value === "string" ? parseDurationMs(value) : null;
      if (ms === null || ms <= maxWaitMs) continue;
      issues.push({
        path: `$.steps[${i}].${key}`,
        ...(typeof id === "string" ? { stepId: id } : {}),
        message: `waits ${value}, longer than this server's maximum wait (TERN_MAX_WAIT, ${formatDays(maxWaitMs)}): the run is ended (WAIT_EXPIRED) when that is reached, before the ${key === "timeout" ? "timeout's onTimeout" : "wait's next step"}. Shorten it, or raise TERN_MAX_WAIT`,
      });
    }
  });
  return issues;
}

const DAY_MS = 86_400_000;
const formatDays = (ms: number) =>
  ms % DAY_MS === 0 ? `${ms / DAY_MS} days` : `${Math.round(ms / 60_000)} minutes`;
