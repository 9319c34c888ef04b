import { setTimeout as sleep } from "node:timers/promises";
import type { Pool } from "pg";
import type { Executor, WriteOptions } from "../db.js";
import { isRetryableTransactionError, leavesConnectionUsable, TransactionAbortedError } from "./errors.js";
import type { RunQuery } from "./executor.js";

/** Attempts of one `write` when the server reports a serialization failure or a deadlock. */
export const MAX_WRITE_ATTEMPTS = 5;

// One round trip: the simple-query protocol runs both statements of the string.
const BEGIN_NOT_DURABLE = "BEGIN; SET LOCAL synchronous_commit = off";

/**
 * `Db.write` on PostgreSQL: the callback runs in its own transaction on one pool client. A
 * serialization failure or deadlock (the server rolled the transaction back) runs the whole
 * callback again, a few times; any other error rolls back and rejects this write only.
 */
export async function runWrite<T>(
  pool: Pool,
  executorFor: (query: RunQuery) => Executor,
  fn: (tx: Executor) => Promise<T>,
  options: WriteOptions | undefined,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptWrite(pool, executorFor, fn, options?.durable !== false);
    } catch (err) {
      if (attempt >= MAX_WRITE_ATTEMPTS || !isRetryableTransactionError(err)) throw err;
      // Jittered back-off so the transactions that collided do not collide again.
      await sleep(Math.random() * 10 * attempt);
    }
  }
}

async function attemptWrite<T>(
  pool: Pool,
  executorFor: (query: RunQuery) => Executor,
  fn: (tx: Executor) => Promise<T>,
  durable: boolean,
): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: without ours, a connection that breaks mid-write
  // would emit an unhandled 'error' and end the process. The query in flight rejects by itself.
  let broken: unknown;
  const onError = (err: unknown) => {
    broken ??= err;
  };
  client.on("error", onError);
  let open = true;
  const query: RunQuery = (config) =>
    open
      ? client.query(config)
      : Promise.reject(new Error("a write() transaction handle was used after its callback returned"));
  // BEGIN and COMMIT are ours: an error without a SQLSTATE (or a connection failure) there means
  // the session is gone. The callback's errors are judged by whether the ROLLBACK goes through.
  const control = (text: string) =>
    client.query(text).catch((err: unknown) => {
      if (!leavesConnectionUsable(err)) broken ??= err;
      throw err;
    });
  try {
    await control(durable ? "BEGIN" : BEGIN_NOT_DURABLE);
    let result: T;
    try {
      result = await fn(executorFor(query));
    } catch (err) {
      await client.query("ROLLBACK").catch((rollbackErr: unknown) => {
        broken ??= rollbackErr;
      });
      throw err;
    }
    open = false;
    const commit = await control("COMMIT");
    // COMMIT of an aborted transaction answers ROLLBACK instead of failing.
    if (commit.command === "ROLLBACK") throw new TransactionAbortedError();
    return result;
  } finally {
    open = false;
    client.removeListener("error", onError);
    // release(err) destroys the connection instead of returning it to the pool.
    client.release(broken === undefined ? undefined : toError(broken));
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
