import type { ChannelDefinition } from "../channels/channel.js";
import type { ConnectorRuntime } from "../connectors/connector.js";
import { AppError, pausedUntil, type RetryHint, toAppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import type { FetchLike } from "../core/fetch.js";
import type { Effects } from "../flows/runtime.js";
import type { Repos, Store } from "../store/store.js";
import type { SendPacer } from "./send-pacer.js";

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
  /** Attempts per effect for errors whose retry hint is not "never". */
  maxAttempts?: number;
  /** Per-channel pacing to the provider's rate, and the hold after a 429 (send-pacer.ts). */
  pacer?: SendPacer;
}

type OutboundText = Parameters<Effects["send"]>[1];

export interface RunContext {
  runId: string;
  channel: { id: string; definition: ChannelDefinition; config: unknown };
  contact: { id: string; address: string };
  /**
   * Throws when the run was ended elsewhere while its step was in memory. Checked before every
   * attempt leaves, so an ended run sends nothing and creates nothing more.
   */
  assertActive?: () => Promise<void>;
  /**
   * The run's writes, one after the other (the worker's per-run chain): an intent starts only
   * once the run's last persist resolved, so the state that led to an effect is committed before
   * the effect's intent, on any store. `store.write` when absent.
   */
  write?: Store["write"];
}

/** What a send settles to. `outcome: "unknown"` only on a channel that echoes nothing (at-most-once). */
type SendOutcome = { providerMessageId: string; outcome?: "unknown" };

export function createEffects(deps: EffectsDeps, ctx: RunContext): Effects {
  const { store, clock } = deps;
  const maxAttempts = deps.maxAttempts ?? 3;
  const write: Store["write"] = ctx.write ?? ((fn, options) => store.write(fn, options));

  const withRetries = async <T>(fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
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
    write(fn, { durable: false }).catch((error: unknown) => deps.onSettleError?.(error));
  };

  /** Polls for a status webhook that echoed `key` (it sets the message row's provider id). */
  const waitForStatus = async (key: string): Promise<string | null> => {
    const windowMs = deps.sendReconcileMs ?? 30_000;
    const pollMs = Math.max(1, Math.min(100, windowMs));
    for (let waitedMs = 0; ; waitedMs += pollMs) {
      const row = await store.contacts.messageByEffectKey(key);
      if (row?.providerMessageId) return row.providerMessageId;
      if (waitedMs >= windowMs) return null;
      await deps.sleep(pollMs);
    }
  };

  /**
   * A send whose outcome is unknown: the process died mid-send, or the request timed out or was
   * cut after it was written. WhatsApp has no idempotency key, but it echoes the effect key
   * (biz_opaque_callback_data) in its status webhooks: a status that arrives within
   * TERN_SEND_RECONCILE_MS proves the message went out, with its provider id. None → null: the
   * caller sends again. A channel that echoes nothing cannot be asked, so the send is taken as
   * done and marked unknown rather than risk a duplicate (at-most-once; queue/README.md).
   */
  const reconcileSend = async (key: string): Promise<SendOutcome | null> => {
    if (ctx.channel.definition.capabilities?.idempotentSends) return null; // a repeat is dropped by the provider
    if (!ctx.channel.definition.capabilities?.echoesCorrelation) {
      return { providerMessageId: "", outcome: "unknown" };
    }
    const providerMessageId = await waitForStatus(key);
    return providerMessageId ? { providerMessageId } : null;
  };

  /** Inside a write: records a finished send on the effect and on the message row. */
  const recordSent = async (tx: Repos, key: string, result: SendOutcome): Promise<void> => {
    await tx.effects.finish(key, result, clock.now());
    if (result.outcome === "unknown") await tx.contacts.markUnknown(key, clock.now());
    else await tx.contacts.markSent(key, result.providerMessageId, clock.now());
  };

  /** Sends, retrying what certainly did not reach the provider and reconciling what may have. */
  const deliver = async (key: string, message: OutboundText): Promise<SendOutcome> => {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) await ctx.assertActive?.();
      let error: AppError;
      const channel = ctx.channel;
      await deps.pacer?.wait(channel.id, channel.definition.capabilities.sendRatePerSecond);
      try {
        return await ctx.channel.definition.send(
          { to: ctx.contact.address, text: message.text, choices: message.choices, correlationId: key },
          ctx.channel.config,
          { fetch: deps.fetch },
        );
      } catch (thrown) {
        error = toAppError(thrown);
      }
      const isUnknown = isOutcomeUnknown(error);
      if (error.details?.httpStatus === 429 && typeof error.retry === "object" && "afterMs" in error.retry) {
        deps.pacer?.pause(channel.id, error.retry.afterMs);
      }
      if (isUnknown) {
        const settled = await reconcileSend(key);
        if (settled) return settled;
      }
      if (error.retry === "never" || attempt >= maxAttempts) throw error;
      // After a reconcile window the provider has had its time; a certain failure backs off.
      if (!isUnknown) await deps.sleep(backoffMs(error.retry, attempt));
    }
  };

  const failDefinitively = async (key: string, error: AppError): Promise<never> => {
    await write((tx) => tx.effects.fail(key, { code: error.code, message: error.message }, clock.now()));
    throw error;
  };

  return {
    async send(key, message) {
      const existing = await store.effects.get(key);
      if (existing?.status === "done") return existing.result as SendOutcome;
      if (existing?.status === "in_flight") {
        // The process died mid-send: the same reconciliation as a send cut off in flight.
        const settled = await reconcileSend(key);
        if (settled) {
          await write((tx) => recordSent(tx, key, settled));
          return settled;
        }
      }
      await ctx.assertActive?.();
      await write(async (tx) => {
        await tx.effects.begin(key, "send", clock.now());
        await tx.contacts.addMessage({
          channelId: ctx.channel.id,
          contactId: ctx.contact.id,
          direction: "out",
          text: message.text,
          providerMessageId: null,
          effectKey: key,
          runId: ctx.runId,
          status: "sending",
          now: clock.now(),
        });
      });
      let result: SendOutcome;
      try {
        result = await deliver(key, message);
      } catch (error) {
        const appError = toAppError(error);
        // Still unknown after every attempt and reconcile: leave the intent in flight, so a
        // later run of this step reconciles again instead of assuming nothing happened.
        if (isOutcomeUnknown(appError)) throw appError;
        return failDefinitively(key, appError);
      }
      // Not awaited: the step's own persist commits after it (writes commit in order), and if
      // the process dies first, the in-flight record makes a re-run reconcile instead of resend.
      settleLater((tx) => recordSent(tx, key, result));
      return result;
    },

    async call(key, connectionName, actionName, input) {
      const { runtime, id, config } = await deps.connector(connectionName);
      const action = runtime.actions[actionName];
      if (!action) {
        throw new AppError(
          "CONNECTION_INVALID",
          `Connection "${connectionName}" has no action "${actionName}"`,
        );
      }
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
      const intentAt = existing?.intentAt ?? clock.now();
      await ctx.assertActive?.();
      await write((tx) => tx.effects.begin(key, `${connectionName}.${actionName}`, clock.now()));
      const actionCtx = { connectionId: id, intentAt, key };
      // A timeout or a cut connection leaves the outcome unknown: the record may exist. Look it
      // up before trying again, so a retry never creates a second one.
      let attempts = 0;
      const attempt = async (): Promise<unknown> => {
        if (++attempts > 1) await ctx.assertActive?.();
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
        const appError = toAppError(error);
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

function isOutcomeUnknown(error: AppError): boolean {
  return error.details?.outcome === "unknown";
}

function backoffMs(hint: RetryHint, attempt: number): number {
  if (typeof hint === "object") return "afterMs" in hint ? Math.min(hint.afterMs, 30_000) : 0;
  return Math.min(200 * 4 ** (attempt - 1), 5_000);
}
