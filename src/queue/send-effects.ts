import { AppError, toAppError } from "../core/app-error.js";
import type { SendReceipt } from "../flows/runtime.js";
import type { MessageFallback } from "../store/repos/contact-repo.js";
import type { SendMessageRow } from "../store/repos/effect-repo.js";
import type { Repos, Store } from "../store/store.js";
import {
  backoffMs,
  type EffectsDeps,
  isOutcomeUnknown,
  isUndeliverable,
  type OutboundText,
  type RunContext,
  type RunEffects,
  type SendChannel,
} from "./effects.js";
import { isTurnOver } from "./failures.js";
import { windowClosed } from "./reply-window.js";

/** Rounds of attempts (each up to `maxAttempts`) before a send that keeps failing fails for good. */
export const SEND_RETRY_ROUNDS = 8;

/**
 * Sends through the outbox (effects.ts): the intent, the delivery (paced, retried, reconciled
 * when its outcome is unknown), the settle; the reply window checked first; and a send step's
 * fallback channel when the run's channel cannot deliver (queue/fallback.ts).
 */
export interface Outbox {
  write: Store["write"];
  settleLater(fn: (tx: Repos) => Promise<void>): void;
  failDefinitively(key: string, error: AppError): Promise<never>;
  /**
   * The intent of a key never seen, of a run still active (a send's: with its message row, and
   * only while the contact has not opted out), in one statement; false, nothing written, for the
   * full path.
   */
  beginIfFresh(key: string, kind: string, message?: SendMessageRow): Promise<boolean>;
}

/** Where one send goes: the run's own channel and address, or the fallback channel and the phone. */
interface SendTarget {
  channel: SendChannel;
  address: string;
}

/**
 * What a send settles to. `outcome: "unknown"` on a channel that echoes nothing, or for a reply
 * token's answer that was lost (at-most-once).
 */
type SendOutcome = { providerMessageId: string; outcome?: "unknown"; recipient?: string; sentAt?: number };

/**
 * The effect kind of a send made with a reply token: its intent says so, so that a send cut off
 * by a crash is not made again by push (the token is single-use, and the reply may have gone out).
 */
export const REPLY_SEND_KIND = "send:reply";

export function createSendEffects(
  deps: EffectsDeps,
  ctx: RunContext,
  outbox: Outbox,
): Pick<RunEffects, "send" | "fallBack"> {
  const { store, clock } = deps;
  const maxAttempts = deps.maxAttempts ?? 3;
  const { write, settleLater, failDefinitively, beginIfFresh } = outbox;

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

  /**
   * A send that failed for now, after its attempts (the provider's 5xx for a minute, a rate limit
   * that held): the run waits at its step and the step sends again later (the engine parks a run
   * on a `pausedUntil` hint; the conversation's next messages wait, in order), instead of a blip
   * failing the conversation. Rounds back off from `sendRetryMs` (4× each, at most an hour);
   * after SEND_RETRY_ROUNDS the send fails for good.
   */
  const retryLater = async (key: string, error: AppError): Promise<never> => {
    const round = (await store.effects.get(key))?.attempts ?? 1;
    if (round >= SEND_RETRY_ROUNDS) {
      return failDefinitively(
        key,
        new AppError(error.code, `${error.message} (still failing after ${round} rounds of attempts)`, {
          cause: error,
          retry: "never",
          details: error.details,
          flowFields: error.flowFields,
        }),
      );
    }
    await write((tx) =>
      tx.effects.failForNow(key, { code: error.code, message: error.message }, clock.now()),
    );
    const until = clock.now() + Math.min((deps.sendRetryMs ?? 15_000) * 4 ** (round - 1), 3_600_000);
    throw new AppError(error.code, error.message, {
      cause: error,
      retry: { pausedUntil: until },
      details: { ...error.details, retryAt: new Date(until).toISOString(), round },
      flowFields: error.flowFields,
    });
  };

  /** Inside a write: records a finished send on the effect and on the message row. */
  const recordSent = async (tx: Repos, key: string, result: SendOutcome): Promise<void> => {
    await tx.effects.finishSend(key, result, clock.now());
  };

  /**
   * Sends, retrying what certainly did not reach the provider and reconciling what may have. A
   * reply token goes with the first attempt only: the adapter pushes instead when it is refused.
   */
  const deliver = async (
    key: string,
    message: OutboundText,
    target: SendTarget,
    replyToken?: string,
  ): Promise<SendOutcome> => {
    const { channel } = target;
    for (let attempt = 1; ; attempt++) {
      // The first attempt: the intent just checked the run; what is left is this process's lease.
      if (attempt > 1) await ctx.assertActive?.();
      else ctx.assertHeld?.();
      let error: AppError;
      await deps.pacer?.wait(
        channel.id,
        channel.definition.sendRatePerSecond?.(channel.config) ??
          channel.definition.capabilities.sendRatePerSecond,
      );
      try {
        return await channel.definition.send(
          {
            to: target.address,
            text: message.text,
            choices: message.choices,
            correlationId: key,
            ...(attempt === 1 && replyToken && { replyToken }),
          },
          channel.config,
          { fetch: deps.fetch },
        );
      } catch (thrown) {
        error = toAppError(thrown);
      }
      const isUnknown = isOutcomeUnknown(error);
      // A 429, or a provider's rate limit of the whole channel said another way (WhatsApp's
      // 130429 and Vonage's "throttled" come with 400 and 200): the channel's other sends wait too.
      const isChannelThrottled =
        error.details?.httpStatus === 429 || error.details?.channelThrottled === true;
      if (isChannelThrottled && typeof error.retry === "object" && "afterMs" in error.retry) {
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

  /**
   * The reply token of the message this turn answers, for its first send on the run's channel,
   * when that channel answers with one and it is still fresh; given out once.
   */
  const takeReplyToken = (): string | undefined => {
    const reply = ctx.reply;
    if (!reply || !ctx.channel.definition.repliesWithToken?.(ctx.channel.config, reply.at, clock.now()))
      return undefined;
    ctx.reply = undefined;
    return reply.token;
  };

  /** The contact opted out (STOP): nothing goes to them, by any channel, until START. */
  const assertNotOptedOut = async (): Promise<void> => {
    const optOut = await store.triggers.optedOut(ctx.contact.id);
    if (optOut) {
      throw new AppError(
        "CONTACT_OPTED_OUT",
        `The contact opted out (sent ${optOut.keyword} on ${new Date(optOut.at).toISOString()}); the message was not sent. They opt back in by sending START.`,
        { retry: "never", details: { optedOutAt: optOut.at } },
      );
    }
  };

  /**
   * One send through the outbox: intent, delivery (retried, reconciled), settle. `checkOptOut`:
   * the opt-out is checked here (in the fresh intent's statement, else read before the full
   * path), before anything else of the send.
   */
  const sendThrough = async (
    key: string,
    message: OutboundText,
    target: SendTarget,
    fallbackAfterFailure?: MessageFallback,
    checkOptOut = false,
    replyToken?: string,
  ): Promise<SendOutcome> => {
    // The message row, in the intent's transaction.
    const row: SendMessageRow = {
      channelId: target.channel.id,
      contactId: ctx.contact.id,
      direction: "out",
      text: message.text,
      providerMessageId: null,
      status: "sending",
      ...(fallbackAfterFailure && { fallback: fallbackAfterFailure }),
    };
    // When the send began, for the caller (a question's answers start there); a replay gives the
    // intent's own time, so a reply that came while the process was down still answers.
    let sentAt = clock.now();
    // Only a fresh intent may use the token: a replay cannot know whether it was used.
    const isFresh = await beginIfFresh(key, replyToken ? REPLY_SEND_KIND : "send", row);
    if (!isFresh) {
      replyToken = undefined;
      if (checkOptOut) await assertNotOptedOut();
      const existing = await store.effects.get(key);
      if (existing) sentAt = existing.intentAt;
      if (existing?.status === "done") return { ...(existing.result as SendOutcome), sentAt };
      if (existing?.status === "in_flight" && existing.kind === REPLY_SEND_KIND) {
        // Cut off while it replied with a single-use token: it may have gone out, and a push now
        // could deliver it twice. Settled as unknown (at-most-once), as a channel that echoes nothing.
        const unknown: SendOutcome = { providerMessageId: "", outcome: "unknown" };
        await write((tx) => recordSent(tx, key, unknown));
        return { ...unknown, sentAt };
      }
      const isRetryable = (existing?.error as { retryable?: boolean } | undefined)?.retryable === true;
      if (existing?.status === "failed" && existing.error && !isRetryable) {
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
          return { ...settled, sentAt };
        }
      }
      await ctx.assertActive?.();
      sentAt = clock.now();
      await write(async (tx) => {
        await tx.effects.begin(key, "send", clock.now());
        await tx.contacts.addMessage({ ...row, effectKey: key, runId: ctx.runId, now: clock.now() });
      });
    }
    let result: SendOutcome;
    try {
      result = await deliver(key, message, target, replyToken);
    } catch (error) {
      if (isTurnOver(error)) throw error;
      const appError = toAppError(error);
      // Still unknown after every attempt and reconcile: leave the intent in flight, so a
      // later run of this step reconciles again instead of assuming nothing happened.
      if (isOutcomeUnknown(appError)) throw appError;
      if (appError.retry !== "never") return retryLater(key, appError);
      return failDefinitively(key, appError);
    }
    // Not awaited: the step's own persist commits after it (writes commit in order), and if
    // the process dies first, the in-flight record makes a re-run reconcile instead of resend.
    settleLater((tx) => recordSent(tx, key, result));
    return { ...result, sentAt };
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
      ...(sent.sentAt !== undefined && { sentAt: sent.sentAt }),
      fallback: { channelId: channel.id, channelType: channel.definition.type, reason },
    };
  };

  return {
    fallBack,
    async send(key, message) {
      const { fallback, ...content } = message;
      const primary: SendTarget = { channel: ctx.channel, address: ctx.contact.address };
      const closed = windowClosed(ctx.channel.definition, ctx.lastInboundAt, clock.now());
      if (closed) {
        // An opted-out contact gets nothing by a fallback either: checked before it.
        await assertNotOptedOut();
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
        const sent = await sendThrough(key, content, primary, watch || undefined, true, takeReplyToken());
        // A replayed send reads its stored outcome: the conversation is moved again, as first.
        if (sent.recipient && sent.recipient !== primary.address) ctx.readdress?.(sent.recipient);
        return sent;
      } catch (error) {
        if (isTurnOver(error)) throw error;
        const appError = toAppError(error);
        if (fallback && isUndeliverable(appError)) return fallBack(key, content, fallback, appError.message);
        throw appError;
      }
    },
  };
}

/** The effect key of a send's fallback: its own outbox record, so it goes out once. */
export function fallbackKey(key: string): string {
  return `${key}:fallback`;
}
