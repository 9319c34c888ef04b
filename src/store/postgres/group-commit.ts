import type { Pool } from "pg";
import { isRetryableTransactionError } from "./errors.js";
import {
  type ExecutorFor,
  runTransaction,
  runWrite,
  TransactionFailure,
  type WriteFn,
} from "./transaction.js";

/** Most callbacks in one grouped transaction: bounds how long one group holds its connection. */
export const MAX_GROUP_SIZE = 200;
/** Below this, the writes of one turn stay in one group rather than being spread over slots. */
export const MIN_SPREAD_SIZE = 16;

interface Entry {
  fn: WriteFn<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Group commit for `write(fn, { group: true })`: one COMMIT (one WAL flush, two round trips)
 * shared by many small writes, where each alone would pay its own (~1,400 commits/s on a small
 * machine). Writes requested in the same event-loop turn run one after the other in one
 * transaction, up to MAX_GROUP_SIZE, spread over the free ones of `maxGroups` group slots;
 * writes requested while every slot is busy wait for the next free one, so groups grow with
 * the load. (On PostgreSQL a transaction that enqueued a job NOTIFYs, and such commits are
 * serialized server-wide until their WAL flush: one commit per webhook would cap ingest at the
 * disk's flush rate.)
 *
 * A callback that throws rolls its whole group back; each callback of the group then runs again
 * in its own transaction (`runWrite`), so only the failing one rejects. A COMMIT whose outcome is
 * unknown (the connection broke) rejects the whole group: running them again could commit twice.
 */
export function createGroupCommitter(pool: Pool, executorFor: ExecutorFor, maxGroups: number) {
  // One queue per durability: a non-durable write must not make a durable one skip the flush.
  const queues = { durable: [] as Entry[], lazy: [] as Entry[] };
  let inFlight = 0;
  let scheduled = false;

  const drain = () => {
    scheduled = false;
    while (inFlight < maxGroups && (queues.durable.length > 0 || queues.lazy.length > 0)) {
      const durable = queues.durable.length > 0;
      const queue = durable ? queues.durable : queues.lazy;
      // Spread what waits over the free slots: a group's statements run one after the other on
      // its connection, so several mid-sized groups finish sooner than one large group.
      const size = Math.max(MIN_SPREAD_SIZE, Math.ceil(queue.length / (maxGroups - inFlight)));
      const group = queue.splice(0, Math.min(MAX_GROUP_SIZE, size));
      inFlight++;
      void runGroup(group, durable).finally(() => {
        inFlight--;
        drain();
      });
    }
  };

  const runGroup = async (group: Entry[], durable: boolean): Promise<void> => {
    try {
      const results = await runTransaction(
        pool,
        executorFor,
        group.map((e) => e.fn),
        durable,
      );
      for (const [i, e] of group.entries()) e.resolve(results[i]);
    } catch (failure) {
      const err = failure instanceof TransactionFailure ? failure.error : failure;
      const unknown = failure instanceof TransactionFailure && failure.outcomeUnknown;
      // Committed or not, nobody knows: running them again could commit twice.
      if (unknown) {
        for (const e of group) e.reject(err);
        return;
      }
      // Alone: its own transaction again only where a write would retry (serialization, deadlock).
      if (group.length === 1 && !isRetryableTransactionError(err)) return group[0]?.reject(err);
      // Nothing of the group committed: each on its own, so only the failing one rejects.
      await Promise.all(group.map((e) => settleAlone(e, durable)));
    }
  };

  const settleAlone = (e: Entry, durable: boolean): Promise<void> =>
    runWrite(pool, executorFor, e.fn, { durable }).then(e.resolve, e.reject);

  return {
    write<T>(fn: WriteFn<T>, durable: boolean): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        (durable ? queues.durable : queues.lazy).push({
          fn,
          resolve: resolve as (value: unknown) => void,
          reject,
        });
        if (!scheduled) {
          scheduled = true;
          setImmediate(drain);
        }
      });
    },
  };
}
