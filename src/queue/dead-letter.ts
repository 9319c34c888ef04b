import { toAppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import { maskConversationKey } from "../core/logger.js";
import type { Metrics } from "../core/metrics.js";
import type { InboxItem } from "../store/repos/inbox-repo.js";
import type { Store } from "../store/store.js";
import {
  isStorageFailure,
  isTransient,
  MAX_PROCESSING_ATTEMPTS,
  RetryLater,
  retryDelayMs,
  storageRetryDelayMs,
} from "./failures.js";

/**
 * What happens to an inbox row whose processing failed (queue/README.md, "Poison messages"):
 * retried with back-off while the failure is transient, at most MAX_PROCESSING_ATTEMPTS times in
 * this process (without a bound when it is the database's: `isStorageFailure`); otherwise marked processed and kept in `rejected_events` (reason
 * `processing_failed`), logged with its stack and counted, so the conversation's next message
 * is not stuck behind it.
 */
export function createItemFailures(deps: {
  store: Store;
  clock: Clock;
  metrics: Metrics;
  log: { warn(o: object, m?: string): void; error(o: object, m?: string): void };
  retryDelayMs?: (attempt: number) => number;
  /** Pokes the conversation's lane again once a retry is due. */
  retry(conversationKey: string): void;
  /**
   * Instead of an in-process timer and `retry`: records the retry durably (PostgreSQL: a
   * conversation job due after the delay). Awaited before RetryLater is thrown.
   */
  scheduleRetry?(conversationKey: string, delayMs: number): Promise<void>;
}) {
  const { store, clock, log } = deps;
  const deadLettered = deps.metrics.counter(
    "tern_inbox_dead_lettered_total",
    "Inbound messages whose processing failed permanently (or transiently too often), marked processed and kept in rejected_events, by error code.",
  );
  /** Failed attempts per inbox row in this process (a restart grants a fresh, still bounded, set). */
  const attempts = new Map<number, number>();
  const timers = new Set<NodeJS.Timeout>();
  let isStopped = false;

  const scheduleRetry = async (
    item: InboxItem,
    attempt: number,
    error: unknown,
    isStorage: boolean,
  ): Promise<never> => {
    attempts.set(item.id, attempt);
    const delayMs = (deps.retryDelayMs ?? (isStorage ? storageRetryDelayMs : retryDelayMs))(attempt);
    log.warn(
      {
        conversation: maskConversationKey(item.conversationKey),
        inboxId: item.id,
        attempt,
        delayMs,
        err: error,
      },
      "message processing failed; retrying",
    );
    if (deps.scheduleRetry) {
      await deps.scheduleRetry(item.conversationKey, delayMs);
    } else {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!isStopped) deps.retry(item.conversationKey);
      }, delayMs);
      timer.unref();
      timers.add(timer);
    }
    // Stops the lane (the row stays pending) until the retry pokes it.
    throw new RetryLater(error);
  };

  return {
    /** Throws RetryLater when the row will be retried; resolves once it is dead-lettered. */
    async failed(item: InboxItem, error: unknown): Promise<void> {
      const attempt = (attempts.get(item.id) ?? 0) + 1;
      // Our own database failing says nothing about the message: it waits for the database as
      // long as that takes, and is never dead-lettered for it.
      const isStorage = isStorageFailure(error);
      if (isStorage || (isTransient(error) && attempt < MAX_PROCESSING_ATTEMPTS))
        await scheduleRetry(item, attempt, error, isStorage);
      attempts.delete(item.id);
      const { code, message } = toAppError(error);
      const now = clock.now();
      const isDeadLettered = await store.write(async (tx) => {
        // A message a run already took is part of that (now failed) run; only a pending one is kept.
        if (!(await tx.inbox.markProcessed(item.id, now))) return false;
        await tx.rejectedEvents.insert({
          channelId: item.channelId,
          path: `inbox/${item.id}`,
          reason: "processing_failed",
          detail: `${code}: ${message}`.slice(0, 500),
          item: "message" in item ? item.message : "fallback" in item ? item.fallback : item.control,
          receivedAt: now,
        });
        return true;
      });
      const fields = {
        conversation: maskConversationKey(item.conversationKey),
        inboxId: item.id,
        attempt,
        err: error,
      };
      if (!isDeadLettered) {
        log.error(fields, "message processing failed: the run that took it was failed");
        return;
      }
      deadLettered.inc({ code });
      log.error(fields, "message dead-lettered: processing failed");
    },
    succeeded(item: InboxItem): void {
      attempts.delete(item.id);
    },
    stop(): void {
      isStopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
