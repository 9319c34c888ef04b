import type { ChannelDefinition } from "../channels/channel.js";
import type { ConnectorRuntime } from "../connectors/connector.js";
import { AppError, type RetryHint, toAppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import type { FetchLike } from "../core/fetch.js";
import type { Effects } from "../flows/runtime.js";
import type { Store } from "../store/store.js";

/**
 * Effects through the outbox: each effect key is recorded `in_flight` (committed) before the
 * call and `done` after, so a re-executed step gets the recorded result instead of a second
 * message or a second Salesforce record. A key still `in_flight` after a crash is ambiguous:
 * connector actions reconcile (look the record up); sends are checked against delivery
 * statuses that echo the key, and only resent when none arrived.
 */
export interface EffectsDeps {
  store: Store;
  clock: Clock;
  fetch: FetchLike;
  sleep: (ms: number) => Promise<void>;
  connector(connectionName: string): { runtime: ConnectorRuntime<unknown>; id: string; config: unknown };
  /** How long a send left in flight by a crash waits for a provider status before it is resent. */
  sendReconcileMs?: number;
  /** Told when recording a finished effect failed (the effect itself succeeded). */
  onSettleError?: (error: unknown) => void;
  /** Attempts per effect for errors whose retry hint is not "never". */
  maxAttempts?: number;
}

export interface RunContext {
  runId: string;
  channel: { id: string; definition: ChannelDefinition; config: unknown };
  contact: { id: string; address: string };
}

export function createEffects(deps: EffectsDeps, ctx: RunContext): Effects {
  const { store, clock } = deps;
  const maxAttempts = deps.maxAttempts ?? 3;

  const withRetries = async <T>(fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const appError = toAppError(error);
        if (appError.retry === "never" || attempt >= maxAttempts) throw appError;
        await deps.sleep(backoffMs(appError.retry, attempt));
      }
    }
  };

  const settleLater = (fn: () => void): void => {
    store.write(fn).catch((error: unknown) => deps.onSettleError?.(error));
  };

  const waitForStatus = async (key: string): Promise<string | null> => {
    const deadline = Date.now() + (deps.sendReconcileMs ?? 30_000);
    for (;;) {
      const row = store.contacts.messageByEffectKey(key);
      if (row?.providerMessageId) return row.providerMessageId;
      if (Date.now() >= deadline) return null;
      await deps.sleep(100);
    }
  };

  const failDefinitively = async (key: string, error: AppError): Promise<never> => {
    await store.write(() => {
      store.effects.fail(key, { code: error.code, message: error.message }, clock.now());
    });
    throw error;
  };

  return {
    async send(key, message) {
      const existing = store.effects.get(key);
      if (existing?.status === "done") return existing.result as { providerMessageId: string };
      if (existing?.status === "in_flight") {
        // The process died mid-send and WhatsApp has no idempotency key. The provider echoes
        // the key (biz_opaque_callback_data) in its status webhooks: wait for one to prove the
        // message went out before sending it again.
        const providerMessageId = await waitForStatus(key);
        if (providerMessageId) {
          const result = { providerMessageId };
          await store.write(() => store.effects.finish(key, result, clock.now()));
          return result;
        }
      }
      await store.write(() => {
        store.effects.begin(key, "send", clock.now());
        store.contacts.addMessage({
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
      let result: { providerMessageId: string };
      try {
        result = await withRetries(() =>
          ctx.channel.definition.send(
            { to: ctx.contact.address, text: message.text, choices: message.choices, correlationId: key },
            ctx.channel.config,
            { fetch: deps.fetch },
          ),
        );
      } catch (error) {
        return failDefinitively(key, toAppError(error));
      }
      // Not awaited: the step's own persist commits after it (writes commit in order), and if
      // the process dies first, the in-flight record makes a re-run reconcile instead of resend.
      settleLater(() => {
        store.effects.finish(key, result, clock.now());
        store.contacts.markSent(key, result.providerMessageId, clock.now());
      });
      return result;
    },

    async call(key, connectionName, actionName, input) {
      const { runtime, id, config } = deps.connector(connectionName);
      const action = runtime.actions[actionName];
      if (!action) {
        throw new AppError(
          "CONNECTION_INVALID",
          `Connection "${connectionName}" has no action "${actionName}"`,
        );
      }
      const existing = store.effects.get(key);
      if (existing?.status === "done") return existing.result;
      const { reconcile } = action;
      if (existing?.status === "in_flight" && reconcile) {
        const found = await withRetries(() =>
          reconcile(input, config, { connectionId: id, intentAt: existing.intentAt, key }),
        );
        if (found !== null && found !== undefined) {
          await store.write(() => store.effects.finish(key, found, clock.now()));
          return found;
        }
      }
      const intentAt = existing?.intentAt ?? clock.now();
      await store.write(() => store.effects.begin(key, `${connectionName}.${actionName}`, clock.now()));
      const actionCtx = { connectionId: id, intentAt, key };
      // A timeout or a cut connection leaves the outcome unknown: the record may exist. Look it
      // up before trying again, so a retry never creates a second one.
      const attempt = async (): Promise<unknown> => {
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
      settleLater(() => store.effects.finish(key, result, clock.now()));
      return result;
    },
  };
}

function isOutcomeUnknown(error: AppError): boolean {
  return error.details?.outcome === "unknown";
}

function backoffMs(hint: RetryHint, attempt: number): number {
  if (typeof hint === "object") return Math.min(hint.afterMs, 30_000);
  return Math.min(200 * 4 ** (attempt - 1), 5_000);
}
