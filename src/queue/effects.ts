import type { ChannelDefinition } from "../channels/channel.js";
import type { ConnectorRuntime } from "../connectors/connector.js";
import { AppError, pausedUntil, type RetryHint, toAppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import type { FetchLike } from "../core/fetch.js";
import type { GuardedHttp } from "../core/guarded-http.js";
import type { Effects, SendReceipt } from "../flows/runtime.js";
import type { SendMessageRow } from "../store/repos/effect-repo.js";
import { isStorageFailure } from "../store/storage-failure.js";
import type { Repos, Store } from "../store/store.js";
import { attemptsRanOut } from "./attempts-ran-out.js";
import { isTurnOver } from "./failures.js";
import { createHttpEffect } from "./http-effects.js";
import { createSendEffects } from "./send-effects.js";
import type { SendPacer } from "./send-pacer.js";
import { MAX_RETRY_AFTER_MS } from "./send-pacer.js";

/**
 * Effects through the outbox: each effect key is recorded `in_flight` (committed) before the
 * call and `done` after, so a re-executed step gets the recorded result instead of a second
 * message or a second Salesforce record. A key still `in_flight` after a crash is ambiguous:
 * connector actions reconcile (look the record up); sends are checked against delivery
 * statuses that echo the key, and only resent when none arrived. A call that fails in a way
 * that leaves its outcome unknown (details.outcome === "unknown") is reconciled the same way
 * before any retry.
 */
export interface EffectsDeps {
  store: Store;
  clock: Clock;
  fetch: FetchLike;
  sleep: (ms: number) => Promise<void>;
  connector(
    connectionName: string,
  ): Promise<{ runtime: ConnectorRuntime<unknown>; id: string; config: unknown }>;
  /**
   * How long a send with an unknown outcome (left in flight by a crash, or timed out / cut after
   * it was written) waits for a provider status that echoes its key before it is sent again.
   */
  sendReconcileMs?: number;
  /** Told when recording a finished effect failed (the effect itself succeeded). */
  onSettleError?: (error: unknown) => void;
  /**
   * A send still failing after its attempts (the provider's 5xx, a rate limit that held) is tried
   * again this long later, then 4× as long each round (at most an hour), while its run waits.
   */
  sendRetryMs?: number;
  /** Attempts per effect for errors whose retry hint is not "never". */
  maxAttempts?: number;
  /** Per-channel pacing to the provider's rate, and the hold after a 429 (send-pacer.ts). */
  pacer?: SendPacer;
  /** Finds a send step's fallback channel by name, id or type, among the run channel's owner's (fallback.ts). */
  fallbackChannel?(ref: string, from: string): Promise<SendChannel>;
  /**
   * The `http` step's client, guarded against private addresses by the configured policy
   * (TERN_HTTP_ALLOW_PRIVATE, TERN_HTTP_ALLOW). Default: public addresses only.
   */
  http?: GuardedHttp;
}

/** A channel a message can leave through. */
export type SendChannel = { id: string; definition: ChannelDefinition; config: unknown };

export type OutboundText = Parameters<Effects["send"]>[1];

export interface RunContext {
  runId: string;
  channel: SendChannel;
  contact: { id: string; address: string; phone?: string | null };
  /** The run's conversation: a late `failed` status queues the fallback there. */
  conversationKey?: string;
  /** When the customer last wrote in this conversation (ms): a channel's reply window starts there. */
  lastInboundAt?: number;
  /**
   * The reply token of the message this turn answers and its time (ms): the turn's first send on
   * the run's channel takes it (and clears it) when the channel `repliesWithToken`.
   */
  reply?: { token: string; at: number } | undefined;
  /**
   * Throws when the run was ended elsewhere while its step was in memory. Checked before every
   * attempt leaves, so an ended run sends nothing and creates nothing more.
   */
  assertActive?: () => Promise<void>;
  /**
   * The in-memory half of `assertActive`: throws when this process gave the conversation up.
   * A fresh effect's intent then checks the run's status in its own statement (`beginFresh`).
   */
  assertHeld?: () => void;
  /**
   * The run's writes, one after the other (the worker's per-run chain): an intent starts only
   * once the run's last persist resolved, so the state that led to an effect is committed before
   * the effect's intent, on any store. `store.write` when absent.
   */
  write?: Store["write"];
  /**
   * The provider answered a send to the conversation's address naming the person by another
   * (`SendResult.recipient`): their replies will come from it (run-host.ts moves the conversation).
   */
  readdress?: (address: string) => void;
}

/** The run's effects, and the fallback send on its own (a late `failed` status, fallback.ts). */
export type RunEffects = Effects & {
  fallBack(
    key: string,
    message: OutboundText,
    fallback: NonNullable<OutboundText["fallback"]>,
    reason: string,
  ): Promise<SendReceipt>;
};

export function createEffects(deps: EffectsDeps, ctx: RunContext): RunEffects {
  const { store, clock } = deps;
  const maxAttempts = deps.maxAttempts ?? 3;
  const write: Store["write"] = ctx.write ?? ((fn, options) => store.write(fn, options));

  const withRetries = async <T>(fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (isTurnOver(error)) throw error;
        const appError = toAppError(error);
        // A paused connection is not retried here: the engine parks the run until the pause ends.
        if (appError.retry === "never" || pausedUntil(appError.retry) !== null || attempt >= maxAttempts)
          throw appError;
        await deps.sleep(backoffMs(appError.retry, attempt));
      }
    }
  };

  /**
   * Records a finished effect without waiting. Replayable (`durable: false`): lost in a power cut,
   * the step's persist after it is lost too (commits reach the WAL in order), so the step runs
   * again and finds its intent in flight, which reconciles instead of repeating the effect.
   */
  const settleLater = (fn: (tx: Repos) => Promise<void>): void => {
    // A settle only defers its statement on PostgreSQL (effect-repo.ts): the step's persist after
    // it may carry it (run-writer.ts).
    write(fn, { durable: false, defersOnly: true }).catch((error: unknown) => deps.onSettleError?.(error));
  };

  const failDefinitively = async (key: string, error: AppError): Promise<never> => {
    // Our own database failed around the effect, not the far side: nothing to record for good;
    // the intent stays as it was and the turn is tried again (the engine lets outages through).
    if (isStorageFailure(error)) throw error;
    // `undeliverable` is kept so a replay of the step falls back instead of failing again.
    const record = {
      code: error.code,
      message: error.message,
      ...(isUndeliverable(error) && { undeliverable: true }),
    };
    await write((tx) => tx.effects.fail(key, record, clock.now()));
    throw error;
  };

  /**
   * The common case in one write of one statement: a key never seen, of a run still active
   * (effect-repo `beginFresh`); a send's (`message`) also checks the contact's opt-out and adds
   * its outbound message row (`beginFreshSend`). False, nothing written: a replay, an ended run,
   * an opted-out contact; the caller takes the full path (read the key, reconcile, check, begin).
   */
  const beginIfFresh = async (key: string, kind: string, message?: SendMessageRow): Promise<boolean> => {
    // Without a run to check (a late fallback send, fallback.ts) the full path applies.
    if (!ctx.assertActive) return false;
    ctx.assertHeld?.();
    // One statement (`single`): on PostgreSQL no transaction around it.
    return write(
      (tx) =>
        message
          ? tx.effects.beginFreshSend(key, ctx.runId, clock.now(), message, kind)
          : tx.effects.beginFresh(key, kind, ctx.runId, clock.now()),
      { single: true },
    );
  };

  const outbox = { write, settleLater, failDefinitively, beginIfFresh };
  const sends = createSendEffects(deps, ctx, outbox);

  return {
    fallBack: sends.fallBack,
    send: sends.send,
    http: createHttpEffect(deps, ctx, outbox),

    async call(key, connectionName, actionName, input) {
      const { runtime, id, config } = await deps.connector(connectionName);
      const action = runtime.actions[actionName];
      if (!action) {
        throw new AppError(
          "CONNECTION_INVALID",
          `Connection "${connectionName}" has no action "${actionName}"`,
        );
      }
      const kind = `${connectionName}.${actionName}`;
      let intentAt = clock.now();
      if (!(await beginIfFresh(key, kind))) {
        const existing = await store.effects.get(key);
        if (existing?.status === "done") return existing.result;
        const { reconcile } = action;
        if (existing?.status === "in_flight" && reconcile) {
          const found = await withRetries(() =>
            reconcile(input, config, { connectionId: id, intentAt: existing.intentAt, key }),
          );
          if (found !== null && found !== undefined) {
            await write((tx) => tx.effects.finish(key, found, clock.now()));
            return found;
          }
        }
        intentAt = existing?.intentAt ?? clock.now();
        await ctx.assertActive?.();
        await write((tx) => tx.effects.begin(key, kind, clock.now()));
      }
      const actionCtx = { connectionId: id, intentAt, key };
      // A timeout or a cut connection leaves the outcome unknown: the record may exist. Look it
      // up before trying again, so a retry never creates a second one.
      let attempts = 0;
      const attempt = async (): Promise<unknown> => {
        if (++attempts > 1) await ctx.assertActive?.();
        else ctx.assertHeld?.();
        try {
          return await action.run(input, config, actionCtx);
        } catch (error) {
          const appError = toAppError(error);
          if (isOutcomeUnknown(appError) && action.reconcile) {
            const found = await action.reconcile(input, config, actionCtx).catch(() => null);
            if (found !== null && found !== undefined) return found;
          }
          throw appError;
        }
      };
      let result: unknown;
      try {
        result = await withRetries(attempt);
      } catch (error) {
        if (isTurnOver(error)) throw error;
        const appError =
          attempts >= maxAttempts ? attemptsRanOut(toAppError(error), attempts) : toAppError(error);
        // Still unknown after every attempt: leave the intent in flight so a later run of this
        // step reconciles instead of assuming nothing happened.
        if (isOutcomeUnknown(appError)) throw appError;
        return failDefinitively(key, appError);
      }
      settleLater((tx) => tx.effects.finish(key, result, clock.now()));
      return result;
    },
  };
}

export function isOutcomeUnknown(error: AppError): boolean {
  return error.details?.outcome === "unknown";
}

export function backoffMs(hint: RetryHint, attempt: number): number {
  if (typeof hint === "object") return "afterMs" in hint ? Math.min(hint.afterMs, MAX_RETRY_AFTER_MS) : 0;
  return Math.min(200 * 4 ** (attempt - 1), 5_000);
}

/** The channel said it cannot reach this person (WhatsApp 131047, 131026): a fallback may. */
export const isUndeliverable = (error: { details?: Record<string, unknown> } | null | undefined): boolean =>
  error?.details?.undeliverable === true;

export { fallbackKey } from "./send-effects.js";
