import type { MessageItem } from "../store/repos/inbox-repo.js";
import type { RunRow } from "../store/repos/run-repo.js";
import { takeBurst } from "./burst.js";
import { takeParts } from "./sms-parts.js";

type BurstDeps = Parameters<typeof takeBurst>[0];

/**
 * The messages that reach the flow together, from the oldest pending `item`: the parts of a long
 * SMS (sms-parts.ts), a message written before the waiting question was sent (alone: the question
 * takes it as no answer, and it is never joined with the real answer that follows), or a burst
 * (burst.ts). May throw `HoldUntil` (the rest of a burst or of an SMS is still to come).
 */
export async function gatherAnswer(deps: BurstDeps, item: MessageItem, active: RunRow | undefined) {
  const parts = await takeParts(deps, item, active);
  if (parts) return parts;
  const answersFrom = active?.status === "waiting" ? active.state.wait?.answersFrom : undefined;
  if (answersFrom !== undefined && item.receivedAt < answersFrom) return [item];
  return takeBurst(deps, item, active);
}
