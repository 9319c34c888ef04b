import { AppError, isAppError } from "../../../core/app-error.js";
import type { ConnectionHealth, ConnectorAction, ConnectorDeps } from "../../connector.js";
import type { SalesforceConfig } from "../config.js";
import type { RunBehaviour } from "./errors-table.js";

/**
 * What the errors table says a run does about the connection (errors-table.ts):
 * - `pause_connection` (REQUEST_LIMIT_EXCEEDED): every action of this connection in this process
 *   is paused until a time, with back-off that doubles while the limit holds (capped at
 *   `limitPauseMaxMs`). A paused call fails at once without reaching Salesforce, with the retry
 *   hint `{ pausedUntil }`: the engine parks the run at its step until then (no retry cap, so
 *   the work is never dropped). The first call after the pause is the probe; its success ends
 *   the pause. Several processes (PostgreSQL) each discover the pause with one failing call.
 * - `reconnect` / `auth_failed`: the connection is marked "reconnect required" / "sign-in
 *   refused" until a call succeeds again (or its config is changed, which clears the mark).
 * Either is written to the store (`deps.health`) so the admin API of any process shows it, and
 * logged at warn once per episode.
 */
/** The mark each refusal leaves until a call succeeds or the connection's config changes. */
const MARKS = {
  reconnect: { state: "reconnect_required", log: "salesforce: connection needs to be reconnected" },
  auth_failed: {
    state: "auth_failed",
    log: "salesforce: login refused; the connection's settings or the app's policy need fixing",
  },
} as const;

export function createConnectionGuard(connectionId: string, deps: ConnectorDeps) {
  let pausedUntil = 0;
  let pauses = 0;
  let pauseError: AppError | null = null;
  // "unknown" until the first call: its success clears a mark another process, or this process
  // before the connection's runtime was rebuilt, left in the store.
  let state: ConnectionHealth["state"] | "unknown" = "unknown";

  // The last health write: a connection test waits for it, so the page it answers shows the state.
  let lastReport: Promise<void> = Promise.resolve();
  const report = (health: ConnectionHealth): void => {
    state = health.state;
    lastReport = (deps.health?.set(connectionId, health) ?? Promise.resolve()).catch((error: unknown) => {
      deps.log.warn({ connectionId, err: error }, "salesforce: recording the connection's health failed");
    });
  };

  const paused = (error: AppError, until: number): AppError =>
    new AppError(error.code, error.message, {
      cause: error,
      retry: { pausedUntil: until },
      details: { ...error.details, pausedUntil: until },
      flowFields: error.flowFields,
    });

  const onFailure = (error: AppError, config: SalesforceConfig): AppError => {
    const run = error.details?.run as RunBehaviour | undefined;
    const now = deps.clock.now();
    if (run === "pause_connection") {
      const hint = typeof error.retry === "object" && "afterMs" in error.retry ? error.retry.afterMs : 0;
      // A concurrency limit clears in seconds (its hint is short); the daily allowance in hours.
      const firstMs = Math.min(hint, config.limitPauseMs);
      // Runs that woke together and failed together extend the pause once, not once each.
      if (pausedUntil <= now) {
        const delayMs = Math.min(firstMs * 2 ** pauses, config.limitPauseMaxMs);
        pauses += 1;
        pausedUntil = now + delayMs;
      }
      pauseError = error;
      if (state !== "paused") {
        deps.log.warn(
          { connectionId, code: error.code, pausedUntil },
          "salesforce: API limit reached; connection paused, its runs wait and resume when quota returns",
        );
      }
      report({ state: "paused", code: error.code, reason: error.message, pausedUntil, since: now });
      return paused(error, pausedUntil);
    }
    const mark = run === "reconnect" || run === "auth_failed" ? MARKS[run] : null;
    if (mark && state !== mark.state) {
      deps.log.warn({ connectionId, code: error.code }, mark.log);
      report({ state: mark.state, code: error.code, reason: error.message, pausedUntil: null, since: now });
    }
    return error;
  };

  /** Runs one call of this connection under the pause and health rules above. */
  async function guard<T>(config: SalesforceConfig, call: () => Promise<T>): Promise<T> {
    if (pauseError && deps.clock.now() < pausedUntil) throw paused(pauseError, pausedUntil);
    let result: T;
    try {
      result = await call();
    } catch (error) {
      throw isAppError(error) ? onFailure(error, config) : error;
    }
    if (state !== "ok") {
      if (state === "paused")
        deps.log.info({ connectionId }, "salesforce: API quota is back; connection resumed");
      pauses = 0;
      pauseError = null;
      report({ state: "ok", code: null, reason: null, pausedUntil: null, since: null });
    }
    return result;
  }

  /** The same actions, each call guarded. */
  function actions(
    list: Record<string, ConnectorAction<SalesforceConfig>>,
  ): Record<string, ConnectorAction<SalesforceConfig>> {
    return Object.fromEntries(
      Object.entries(list).map(([name, action]) => {
        const { reconcile } = action;
        const guarded: ConnectorAction<SalesforceConfig> = {
          run: (input, config, ctx) => guard(config, () => action.run(input, config, ctx)),
          ...(reconcile
            ? { reconcile: (input, config, ctx) => guard(config, () => reconcile(input, config, ctx)) }
            : {}),
        };
        return [name, guarded];
      }),
    );
  }

  return { guard, actions, reported: () => lastReport };
}
