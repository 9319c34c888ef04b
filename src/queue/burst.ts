import type { Clock } from "../core/clock.js";
import type { InboxItem, MessageItem } from "../store/repos/inbox-repo.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { Store } from "../store/store.js";
import { joinParts } from "./sms-parts.js";

/**
 * Burst grouping (queue/README.md): messages a customer types in quick succession ("Hi" / "I want
 * a quote" / "for 3 cars") answer a waiting `ask` together. Only a run waiting for a reply holds
 * its conversation's messages, and only until `windowMs` passed since the last of them; every
 * other conversation (no run, a run not waiting for a reply, window 0) takes its message at once.
 */

/** The most messages one answer takes; the rest are the next answer. */
export const MAX_BURST_MESSAGES = 20;
/** A customer who keeps typing is answered at the latest this many windows after the first message. */
export const MAX_BURST_WINDOWS = 5;

/** Thrown out of `processItem` to leave the conversation's messages pending until `at` (ms). */
export class HoldUntil extends Error {
  constructor(readonly at: number) {
    super(`the conversation's messages are held until ${new Date(at).toISOString()} (burst window)`);
    this.name = "HoldUntil";
  }
}

/** Text messages group; a button tap, a media message or a fallback request stands alone. */
const isGroupable = (item: InboxItem): item is MessageItem =>
  "message" in item && item.message.content.type === "text";

/**
 * The messages `item` (the conversation's oldest pending row) is answered with: itself alone, or
 * the text messages pending after it when the run waits for a reply. Throws `HoldUntil` while the
 * burst may still grow. Nothing is written: a crash leaves every row pending, taken again.
 */
export async function takeBurst(
  deps: {
    store: Store;
    clock: Clock;
    windowMs: number;
    /** A message that must be handled on its own (a global keyword such as STOP). */
    standsAlone?: (item: MessageItem) => Promise<boolean>;
  },
  item: MessageItem,
  active: RunRow | undefined,
): Promise<MessageItem[]> {
  const { windowMs } = deps;
  const standsAlone = deps.standsAlone ?? (async () => false);
  if (windowMs <= 0 || active?.status !== "waiting" || active.state.wait?.for !== "reply") return [item];
  if (!isGroupable(item) || (await standsAlone(item))) return [item];
  const pending = await deps.store.inbox.pendingItems(item.conversationKey, MAX_BURST_MESSAGES + 1);
  const burst: MessageItem[] = [];
  let isClosed = false;
  for (const next of pending) {
    // A message that came a window or more after the one before it is the next answer, even when
    // both waited pending together (the worker was down or busy): the window measures the customer.
    // A window or more earlier is a clock stepped back between the two (NTP, a VM resumed): they
    // were not one burst either.
    const previous = burst.at(-1);
    const isLate = previous !== undefined && Math.abs(next.receivedAt - previous.receivedAt) >= windowMs;
    if (!isGroupable(next) || burst.length === MAX_BURST_MESSAGES || isLate || (await standsAlone(next))) {
      // A message the burst does not take came after it: the burst is complete.
      isClosed = burst.length > 0;
      break;
    }
    burst.push(next);
  }
  if (burst[0]?.id !== item.id) return [item];
  if (isClosed) return burst;
  const first = burst[0].receivedAt;
  const last = (burst.at(-1) as MessageItem).receivedAt;
  const holdUntil = Math.min(last + windowMs, first + windowMs * MAX_BURST_WINDOWS);
  // Holding across the run's own deadline would let the deadline fire first on a reply that came
  // in time: answer now instead.
  const beforeDeadline = active.timeoutAt === null || active.timeoutAt > holdUntil;
  const now = deps.clock.now();
  // Longer than any burst is held: the clock stepped back since the messages were stamped, and the
  // hold lasted as long as the step, then took the customer's next message into the answer.
  const isStampedAhead = holdUntil - now > windowMs * MAX_BURST_WINDOWS;
  if (now < holdUntil && beforeDeadline && !isStampedAhead) throw new HoldUntil(holdUntil);
  return burst;
}

/**
 * The one message a burst stands for: its texts joined by newlines, dated by its last message; the
 * parts of one long SMS (sms-parts.ts) joined as the sender typed them.
 */
export function joinBurst(burst: MessageItem[]): MessageItem["message"] {
  const last = (burst.at(-1) as MessageItem).message;
  if (burst.length === 1) return last;
  const { part: _part, ...whole } = last;
  if (burst.every((b) => b.message.part !== undefined))
    return { ...whole, content: { type: "text", text: joinParts(burst) } };
  const text = burst.map((b) => b.message.content.text).join("\n");
  return { ...last, content: { type: "text", text } };
}

/** Lanes (SQLite): one timer per held conversation; a later hold replaces the earlier one. */
export function createHoldTimers(clock: Clock, wake: (key: string) => void) {
  const timers = new Map<string, NodeJS.Timeout>();
  return {
    wakeAt(key: string, at: number): void {
      clearTimeout(timers.get(key));
      const timer = setTimeout(
        () => {
          timers.delete(key);
          wake(key);
        },
        Math.max(0, at - clock.now()),
      );
      timers.set(key, timer);
    },
    stop(): void {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
