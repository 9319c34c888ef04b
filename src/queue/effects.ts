import type { ChannelDefinition } from "../channels/channel.js";
import type { ConnectorRuntime } from "../connectors/connector.js";
import { AppError, pausedUntil, type RetryHint, toAppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import type { FetchLike } from "../core/fetch.js";
import type { Effects, SendReceipt } from "../flows/runtime.js";
import type { MessageFallback } from "../store/repos/contact-repo.js";
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
  /** Finds a send step's fallback channel by name, id or type, among the run channel's owner's (fallback.ts). */
  fallbackChannel?(ref: string, from: string): Promise<SendChannel>;
}

/** A channel a message can leave through. */
export type SendChannel = { id: string; definition: ChannelDefinition; config: unknown };

type OutboundText = Parameters<Effects["send"]>[1];

/** Where one send goes: the run's own channel and address, or the fallback channel and the phone. */
interface SendTarget {
  channel: SendChannel;
  address: string;
}

export interface RunContext {
  runId: string;
  channel: SendChannel;
  contact: { id: string; address: string; phone?: string | null };
  /** The run's conversation: a late `failed` status queues the fallback there. */
  conversationKey?: string;
  /** When the customer last wrote in this conversation (ms): a channel's reply window starts there. */
  lastInboundAt?: number;
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

/** The channel said it cannot reach this person (WhatsApp 131047, 131026): a fallback may. */
const isUndeliverable = (error: { details?: Record<string, unknown> } | null | undefined): boolean =>
  error?.details?.undeliverable === true;

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
  const reconcileSend = async (key: string, channel: SendChannel): Promise<SendOutcome | null> => {
    if (channel.definition.capabilities?.idempotentSends) return null; // a repeat is dropped by the provider
    if (!channel.definition.capabilities?.echoesCorrelation) {
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
  const deliver = async (key: string, message: OutboundText, target: SendTarget): Promise<SendOutcome> => {
    const { channel } = target;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) await ctx.assertActive?.();
      let error: AppError;
      await deps.pacer?.wait(channel.id, channel.definition.capabilities.sendRatePerSecond);
      try {
        return await channel.definition.send(
          { to: target.address, text: message.text, choices: message.choices, correlationId: key },
          channel.config,
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
        const settled = await reconcileSend(key, channel);
        if (settled) return settled;
      }
      if (error.retry === "never" || attempt >= maxAttempts) throw error;
      // After a reconcile window the provider has had its time; a certain failure backs off.
      if (!isUnknown) await deps.sleep(backoffMs(error.retry, attempt));
    }
  };

  const failDefinitively = async (key: string, error: AppError): Promise<never> => {
    // `undeliverable` is kept so a replay of the step falls back instead of failing again.
    const record = {
      code: error.code,
      message: error.message,
      ...(isUndeliverable(error) && { undeliverable: true }),
    };
    await write((tx) => tx.effects.fail(key, record, clock.now()));
    throw error;
  };

  /** One send through the outbox: intent, delivery (retried, reconciled), settle. */
  const sendThrough = async (
    key: string,
    message: OutboundText,
    target: SendTarget,
    fallbackAfterFailure?: MessageFallback,
  ): Promise<SendOutcome> => {
    const existing = await store.effects.get(key);
    if (existing?.status === "done") return existing.result as SendOutcome;
    if (existing?.status === "failed" && existing.error) {
      // Failed for good before (a replay): the same error, and whether a fallback may carry it.
      const wasUndeliverable = (existing.error as { undeliverable?: boolean }).undeliverable === true;
      throw new AppError("CHANNEL_SEND_FAILED", existing.error.message, {
        retry: "never",
        details: wasUndeliverable ? { undeliverable: true } : {},
      });
    }
    if (existing?.status === "in_flight") {
      // The process died mid-send: the same reconciliation as a send cut off in flight.
      const settled = await reconcileSend(key, target.channel);
      if (settled) {
        await write((tx) => recordSent(tx, key, settled));
        return settled;
      }
    }
    await ctx.assertActive?.();
    await write(async (tx) => {
      await tx.effects.begin(key, "send", clock.now());
      await tx.contacts.addMessage({
        channelId: target.channel.id,
        contactId: ctx.contact.id,
        direction: "out",
        text: message.text,
        providerMessageId: null,
        effectKey: key,
        runId: ctx.runId,
        status: "sending",
        now: clock.now(),
        ...(fallbackAfterFailure && { fallback: fallbackAfterFailure }),
      });
    });
    let result: SendOutcome;
    try {
      result = await deliver(key, message, target);
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
  };

  /**
   * The message could not reach the person on the run's channel: the same text through the
   * fallback channel to their phone, as its own effect (`<key>:fallback`), so a replay sends it
   * once. The primary effect stays `failed`; the receipt says which channel carried it and why.
   */
  const fallBack = async (
    key: string,
    message: OutboundText,
    fallback: NonNullable<OutboundText["fallback"]>,
    reason: string,
  ): Promise<SendReceipt> => {
    const phone = ctx.contact.phone;
    if (!phone) {
      throw new AppError(
        "CHANNEL_SEND_FAILED",
        `${reason} No fallback through "${fallback.channel}": the contact's phone number is not known on this channel.`,
        { retry: "never" },
      );
    }
    if (!deps.fallbackChannel) throw new AppError("INTERNAL", "no fallback channel resolver configured");
    const channel = await deps.fallbackChannel(fallback.channel, ctx.channel.id);
    const address = channel.definition.addressForPhone?.(phone) ?? phone;
    const { text, choices } = message;
    const sent = await sendThrough(
      fallbackKey(key),
      { text, ...(choices && { choices }) },
      { channel, address },
    );
    return {
      providerMessageId: sent.providerMessageId,
      fallback: { channelId: channel.id, channelType: channel.definition.type, reason },
    };
  };

  return {
    fallBack,
    async send(key, message) {
      const { fallback, ...content } = message;
      const primary: SendTarget = { channel: ctx.channel, address: ctx.contact.address };
      const closed = windowClosed(ctx.channel, ctx.lastInboundAt, clock.now());
      if (closed) {
        // Known before asking the provider: no request that can only be refused.
        if (fallback) return fallBack(key, content, fallback, closed.message);
        throw closed;
      }
      // Recorded on the message row: a `failed` status before `until` sends it again by fallback.
      const watch = fallback &&
        ctx.conversationKey && {
          channel: fallback.channel,
          until: clock.now() + fallback.onFailedStatusWithinMs,
          conversationKey: ctx.conversationKey,
        };
      try {
        return await sendThrough(key, content, primary, watch || undefined);
      } catch (error) {
        const appError = toAppError(error);
        if (fallback && isUndeliverable(appError)) return fallBack(key, content, fallback, appError.message);
        throw appError;
      }
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

/** The effect key of a send's fallback: its own outbox record, so it goes out once. */
export function fallbackKey(key: string): string {
  return `${key}:fallback`;
}

/**
 * The channel's reply window (WhatsApp, Messenger, Instagram: 24 h; WeChat 48 h) has closed
 * since the customer last wrote: a free-form message would be refused (WhatsApp 131047).
 */
function windowClosed(channel: SendChannel, lastInboundAt: number | undefined, now: number): AppError | null {
  const hours = channel.definition.capabilities.replyWindowHours;
  if (hours === undefined || lastInboundAt === undefined || now - lastInboundAt <= hours * 3_600_000)
    return null;
  return new AppError(
    "CHANNEL_SEND_FAILED",
    `More than ${hours} hours have passed since the customer's last message on ${channel.definition.title}, which then only allows approved templates; the message was not sent.`,
    { retry: "never", details: { undeliverable: true, windowHours: hours, lastInboundAt } },
  );
}
