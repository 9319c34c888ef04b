import { setTimeout as sleep } from "node:timers/promises";
import type { Pool } from "pg";
import { isRetryableTransactionError, sqlState } from "./errors.js";
import {
  type ExecutorFor,
  MAX_WRITE_ATTEMPTS,
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
 * A callback that throws rolls its whole group back; it rejects, and the rest of the group runs
 * again, in the same order. A deadlock or serialization failure runs the whole group again. When
 * the failure cannot be pinned on one callback, each runs alone (`runWrite`), one after the
 * other, so only the failing one rejects and arrival order holds. A COMMIT whose outcome is
 * unknown (the connection broke) rejects the whole group: running them again could commit twice.
 */
export function createGroupCommitter(pool: Pool, executorFor: ExecutorFor, maxGroups: number) {
  // One queue per durability: a non-durable write must not make a durable one skip the flush.
  const queues = { durable: [] as Entry[], lazy: [] as Entry[] };
  let inFlight = 0;
  let scheduled = false;
  /**
   * Resolves once the last group started has run its callbacks. Groups run their statements in
   * the order they were formed, one group after the other, each overlapping only the COMMIT of
   * the one before: rows take ids in arrival order across groups too (a redelivery in the second
   * group does not overtake its original in the first), and a group never waits for a row lock
   * of a younger one.
   */
  let statementsTurn: Promise<void> = Promise.resolve();

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
      const turn = statementsTurn;
      let onCallbacksDone = () => {};
      statementsTurn = new Promise<void>((resolve) => {
        onCallbacksDone = resolve;
      });
      void runGroup(group, durable, { turn, onCallbacksDone }).finally(() => {
        inFlight--;
        drain();
      });
    }
  };

  const runGroup = async (
    entries: Entry[],
    durable: boolean,
    order: { turn: Promise<void>; onCallbacksDone(): void },
  ): Promise<void> => {
    let group = entries;
    for (let attempt = 1; group.length > 0; attempt++) {
      try {
        const results = await runTransaction(
          pool,
          executorFor,
          group.map((e) => e.fn),
          durable,
          // Only the first attempt keeps its place; a group run again goes when it can.
          attempt === 1 ? order : undefined,
        );
        for (const [i, e] of group.entries()) e.resolve(results[i]);
        return;
      } catch (failure) {
        // Its callbacks did not run to the end (or never began): the next group may go.
        order.onCallbacksDone();
        const err = failure instanceof TransactionFailure ? failure.error : failure;
        // Committed or not, nobody knows: running them again could commit twice.
        if (failure instanceof TransactionFailure && failure.outcomeUnknown) {
          for (const e of group) e.reject(err);
          return;
        }
        // A deadlock or serialization failure is the server's doing, not a callback's: the whole
        // group again, in its order (its messages keep their arrival order and share one commit).
        if (isRetryableTransactionError(err) && attempt < MAX_WRITE_ATTEMPTS) {
          await sleep(Math.random() * 10 * attempt);
          continue;
        }
        // Nothing ran (no connection, or BEGIN failed): the whole group again once, for a
        // connection that broke in the pool, else the error is every callback's.
        if (failure instanceof TransactionFailure && failure.stage === "begin") {
          if (attempt === 1) continue;
          for (const e of group) e.reject(err);
          return;
        }
        // One callback threw: it alone rejects (running it after the same callbacks, in the
        // same order, is what the group did), and the rest go again as a group.
        const index = failure instanceof TransactionFailure ? blamed(failure) : undefined;
        if (index !== undefined) {
          group[index]?.reject(err);
          group = group.filter((_, i) => i !== index);
          continue;
        }
        if (group.length === 1) return group[0]?.reject(err);
        // Who failed is unknown (an error a callback swallowed aborted the transaction, or the
        // pre-commit work failed): each on its own, one after the other. Run side by side on the
        // pool, their rows would take ids, and so their conversations' order, in any order.
        for (const e of group) await settleAlone(e, durable);
        return;
      }
    }
  };

  const settleAlone = (e: Entry, durable: boolean): Promise<void> =>
    runWrite(pool, executorFor, e.fn, { durable }).then(e.resolve, e.reject);

  return {
    /** Whether replayable grouped writes wait, or any group runs: a group is forming. */
    isForming(): boolean {
      return inFlight > 0 || queues.lazy.length > 0;
    },
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

/**
 * The callback a failed group can blame: the one that threw, unless what it threw is
 * "current transaction is aborted" (25P02), which an earlier callback's swallowed error caused.
 */
function blamed(failure: TransactionFailure): number | undefined {
  return sqlState(failure.error) === "25P02" ? undefined : failure.callbackIndex;
}
