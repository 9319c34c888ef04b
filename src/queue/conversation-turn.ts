import { randomBytes } from "node:crypto";
import type { Store } from "../store/store.js";
import { HandedBackError } from "./failures.js";

/** After finding the turn taken, the conversation's next job runs this much later. */
export const TURN_BUSY_RETRY_MS = 1_000;
/** A holder renews its turn when it is older than this (`TURN_STALE_MS` frees it at 5 min). */
const RENEW_AFTER_MS = 60_000;

/** Proves the turn is still this job's before the next item; throws HandedBackError if not. */
export type RenewTurn = () => Promise<void>;

/**
 * Runs `fn` holding the conversation's turn (PostgreSQL: one job per conversation at a time,
 * across every process; see `store/repos/turn-repo.ts`). Jobs carry no named queue (graphile
 * 0.17 pays for every queue row on each fetch), so two jobs of one conversation may start
 * together; the second finds the turn taken and returns false at once. The holder looks for
 * work again after releasing it, so nothing that arrived meanwhile is left behind.
 */
export async function inConversationTurn(
  store: Store,
  key: string,
  runnerId: string,
  fn: (renew: RenewTurn) => Promise<void>,
): Promise<boolean> {
  const holder = `${runnerId}/${randomBytes(6).toString("base64url")}`;
  // Not durable: a turn lost in a database crash is only a turn (free again at restart or stale).
  const take = () => store.write((tx) => tx.turns.take(key, holder), { durable: false });
  if (!(await take())) return false;
  let takenAt = Date.now();
  const renew: RenewTurn = async () => {
    if (Date.now() - takenAt < RENEW_AFTER_MS) return;
    if (!(await take())) throw new HandedBackError();
    takenAt = Date.now();
  };
  try {
    await fn(renew);
  } finally {
    await store.write((tx) => tx.turns.release(key, holder), { durable: false });
  }
  return true;
}
