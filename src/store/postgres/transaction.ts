import { setTimeout as sleep } from "node:timers/promises";
import type { Pool } from "pg";
import type { Executor, WriteOptions } from "../db.js";
import { isRetryableTransactionError, leavesConnectionUsable, TransactionAbortedError } from "./errors.js";
import type { HandleMode, PreCommitWork, RunQuery, TxExecutor } from "./executor.js";

/** Attempts of one `write` when the server reports a serialization failure or a deadlock. */
export const MAX_WRITE_ATTEMPTS = 5;

// One round trip: the simple-query protocol runs both statements of the string.
const BEGIN_NOT_DURABLE = "BEGIN; SET LOCAL synchronous_commit = off";

export type WriteFn<T> = (tx: Executor) => Promise<T>;
/** Builds a handle; a transaction's handles share the transaction's pre-commit work. */
export type ExecutorFor = (query: RunQuery, mode: HandleMode) => TxExecutor;

/**
 * Why a transaction of several callbacks did not commit. `begin`: no connection, or BEGIN failed
 * (nothing ran). `callback`: one of them threw, or the work deferred to before COMMIT did (the
 * transaction was rolled back, nothing of it committed). `commit`: COMMIT failed;
 * `outcomeUnknown` says whether nobody can know if it committed (the connection broke).
 */
export class TransactionFailure extends Error {
  constructor(
    readonly stage: "begin" | "callback" | "commit",
    readonly error: unknown,
    readonly outcomeUnknown: boolean,
    /** The callback that threw, when it was one of them (not the pre-commit work or COMMIT). */
    readonly callbackIndex?: number,
  ) {
    super(error instanceof Error ? error.message : String(error));
    this.name = "TransactionFailure";
  }
}

/**
 * `Db.write` on PostgreSQL: the callback runs in its own transaction on one pool client. A
 * serialization failure or deadlock (the server rolled the transaction back) runs the whole
 * callback again, a few times; any other error rolls back and rejects this write only.
 */
export async function runWrite<T>(
  pool: Pool,
  executorFor: ExecutorFor,
  fn: WriteFn<T>,
  options: WriteOptions | undefined,
): Promise<T> {
  return retried(async () => {
    const [result] = await runTransaction(pool, executorFor, [fn], options?.durable !== false);
    return result as T;
  });
}

/** Runs `attempt` again on serialization failure or deadlock (nothing committed), a few times. */
async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (failure) {
      const err = failure instanceof TransactionFailure ? failure.error : failure;
      if (n >= MAX_WRITE_ATTEMPTS || !isRetryableTransactionError(err)) throw err;
      // Jittered back-off so the transactions that collided do not collide again.
      await sleep(Math.random() * 10 * n);
    }
  }
}

/** Thrown by a `single` write's handle at a second statement (the first has committed). */
export class SingleStatementError extends Error {
  constructor() {
    super("a write({ single: true }) callback ran a second statement; its first has committed alone");
    this.name = "SingleStatementError";
  }
}

/**
 * `write(fn, { single: true })` on PostgreSQL: the callback's one statement runs alone on a pool
 * client, without BEGIN and COMMIT (it commits by itself, with the server's
 * `synchronous_commit`; a replayable write's carrier without waiting for the disk). What the
 * callback deferred rides on that statement, or is that statement when it ran none. Retried like
 * `runWrite` on serialization failure or deadlock (nothing committed then). A broken connection
 * is destroyed, not returned to the pool; the outcome of a statement cut off in flight is
 * unknown, as with any COMMIT.
 */
export function runSingle<T>(
  pool: Pool,
  executorFor: ExecutorFor,
  fn: WriteFn<T>,
  durable = true,
): Promise<T> {
  return retried(async () => {
    const client = await pool.connect();
    let broken: unknown;
    const onError = (err: unknown) => {
      broken ??= err;
    };
    client.on("error", onError);
    let statements = 0;
    let isOpen = true;
    try {
      const tx = executorFor(
        (config) => {
          if (!isOpen)
            return Promise.reject(
              new Error("a write() transaction handle was used after its callback returned"),
            );
          if (++statements > 1) return Promise.reject(new SingleStatementError());
          return client.query(config).catch((err: unknown) => {
            if (!leavesConnectionUsable(err)) broken ??= err;
            throw err;
          });
        },
        { defers: true, asyncCommit: !durable },
      );
      const result = await fn(tx);
      await tx.flushDeferred?.();
      return result;
    } finally {
      isOpen = false;
      client.removeListener("error", onError);
      client.release(broken === undefined ? undefined : toError(broken));
    }
  });
}

/**
 * Runs `fns` one after the other in ONE transaction on one pool client and commits; resolves
 * with their results after the COMMIT. Rejects with a `TransactionFailure` saying where it failed.
 * Each callback gets its own handle, closed when it returns.
 */
export async function runTransaction(
  pool: Pool,
  executorFor: ExecutorFor,
  fns: ReadonlyArray<WriteFn<unknown>>,
  durable: boolean,
  /**
   * Group commit's order (group-commit.ts): the callbacks start once `turn` resolves (BEGIN
   * already went), and `onCallbacksDone` is called once they and the pre-commit work ended, however.
   */
  order?: { turn: Promise<void>; onCallbacksDone(): void },
): Promise<unknown[]> {
  const client = await pool.connect().catch((err: unknown) => {
    throw new TransactionFailure("begin", err, false);
  });
  // A checked-out client has no pool listener: without ours, a connection that breaks mid-write
  // would emit an unhandled 'error' and end the process. The query in flight rejects by itself.
  let broken: unknown;
  const onError = (err: unknown) => {
    broken ??= err;
  };
  client.on("error", onError);
  // BEGIN and COMMIT are ours: an error without a SQLSTATE (or a connection failure) there means
  // the session is gone. The callbacks' errors are judged by whether the ROLLBACK goes through.
  const control = (text: string) =>
    client.query(text).catch((err: unknown) => {
      if (!leavesConnectionUsable(err)) broken ??= err;
      throw err;
    });
  const closed: RunQuery = () =>
    Promise.reject(new Error("a write() transaction handle was used after its callback returned"));
  try {
    try {
      await control(durable ? "BEGIN" : BEGIN_NOT_DURABLE);
    } catch (err) {
      throw new TransactionFailure("begin", err, false);
    }
    await order?.turn;
    const results: unknown[] = [];
    const preCommit: PreCommitWork = new Map();
    const steps = [
      ...fns,
      // Last, on the same transaction: what the callbacks deferred to just before COMMIT.
      async (tx: Executor) => {
        for (const work of preCommit.values()) await work.flush(tx, [...work.values]);
      },
    ];
    for (const [i, fn] of steps.entries()) {
      let query: RunQuery = (config) => client.query(config);
      try {
        const tx = executorFor((config) => query(config), { preCommit, defers: true });
        const result = await fn(tx);
        // What the callback deferred and no later statement of it carried: its own work still.
        await tx.flushDeferred?.();
        if (i < fns.length) results.push(result);
      } catch (err) {
        await client.query("ROLLBACK").catch((rollbackErr: unknown) => {
          broken ??= rollbackErr;
        });
        throw new TransactionFailure("callback", err, false, i < fns.length ? i : undefined);
      } finally {
        query = closed;
      }
    }
    order?.onCallbacksDone();
    let commit: Awaited<ReturnType<typeof control>>;
    try {
      commit = await control("COMMIT");
    } catch (err) {
      // A server answer (SQLSTATE) means it rolled back; no answer means we cannot know.
      throw new TransactionFailure("commit", err, !leavesConnectionUsable(err));
    }
    // COMMIT of an aborted transaction answers ROLLBACK instead of failing.
    if (commit.command === "ROLLBACK") {
      throw new TransactionFailure("callback", new TransactionAbortedError(), false);
    }
    return results;
  } finally {
    order?.onCallbacksDone();
    client.removeListener("error", onError);
    // release(err) destroys the connection instead of returning it to the pool.
    client.release(broken === undefined ? undefined : toError(broken));
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
