import type { Clock } from "../core/clock.js";
import type { MessageItem } from "../store/repos/inbox-repo.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { Store } from "../store/store.js";
import { HoldUntil } from "./burst.js";

/**
 * A long SMS that arrives in parts (Vonage's `concat-*`, `InboundMessage.part`) is one message to
 * the flow. Each part is its own inbox row, stored and acknowledged as it comes; when the
 * conversation's oldest pending row is a part, the worker waits for the others (the rows stay
 * pending, so a crash loses nothing) and takes them all at once, in part order.
 */

/** How long the parts of one message are waited for, from the first one's arrival. */
export const PARTS_WAIT_MS = 30_000;
/** Pending rows looked through for the other parts (they may come behind later messages). */
const PARTS_LOOKAHEAD = 300;

/**
 * The rows that make `item`'s message, in part order, or null when `item` is not a part. Throws
 * `HoldUntil` while a part is missing and the wait has not run out; after it, the parts that came
 * are the message (better a gap than a question answered with a fragment). A part that came twice
 * under two ids counts once; its other row is taken along so it is not read as a message later.
 */
export async function takeParts(
  deps: { store: Store; clock: Clock },
  item: MessageItem,
  active: RunRow | undefined,
): Promise<MessageItem[] | null> {
  const part = item.message.part;
  if (!part) return null;
  const pending = await deps.store.inbox.pendingItems(item.conversationKey, PARTS_LOOKAHEAD);
  const rows = pending.filter(
    (p): p is MessageItem =>
      "message" in p && p.message.part?.ref === part.ref && p.message.part.count === part.count,
  );
  if (!rows.some((r) => r.id === item.id)) rows.unshift(item);
  const byIndex = new Map<number, MessageItem>();
  for (const row of rows) {
    const index = row.message.part?.index ?? 0;
    if (!byIndex.has(index)) byIndex.set(index, row);
  }
  if (byIndex.size < part.count) {
    const first = Math.min(...rows.map((r) => r.receivedAt));
    // A run's deadline is not held past: what came by then is its answer.
    const until = Math.min(first + PARTS_WAIT_MS, active?.timeoutAt ?? Number.POSITIVE_INFINITY);
    const now = deps.clock.now();
    // Not past the longest wait for parts: further means the clock stepped back since (NTP, a VM
    // resumed), and the parts would have waited as long as the step.
    if (now < until && until - now <= PARTS_WAIT_MS) throw new HoldUntil(until);
  }
  const ordered = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, row]) => row);
  const repeats = rows.filter((r) => !ordered.includes(r));
  return [...ordered, ...repeats];
}

/** The parts' texts joined as the sender typed them (no separator); a repeated part once. */
export function joinParts(parts: MessageItem[]): string {
  const seen = new Set<number>();
  let text = "";
  for (const p of parts) {
    const index = p.message.part?.index ?? 0;
    if (seen.has(index)) continue;
    seen.add(index);
    if (p.message.content.type === "text") text += p.message.content.text;
  }
  return text;
}
