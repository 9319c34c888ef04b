/** SQLSTATE of a server error, or undefined for anything else (a socket error, a bug). */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * A named statement parsed before a table it reads changed shape (a newer Tern's migration added
 * a column while this process runs): PostgreSQL refuses to run it again on that connection. Under
 * a new name (`statements.ts`) it is parsed anew and runs.
 */
export function isStalePlan(err: unknown): boolean {
  return (
    sqlState(err) === "0A000" &&
    /cached plan must not change result type/.test((err as { message?: unknown }).message as string)
  );
}

/**
 * serialization_failure and deadlock_detected: the server rolled back; running again can succeed.
 * So can a stale plan: its statement is renamed by then, and the transaction runs it anew.
 */
export function isRetryableTransactionError(err: unknown): boolean {
  const state = sqlState(err);
  return state === "40001" || state === "40P01" || isStalePlan(err);
}

/**
 * Whether a client that saw `err` can go back to the pool. A server error with a SQLSTATE leaves
 * the session usable, except connection failures (class 08) and shutdowns (57P01-57P03); a
 * socket error or a "Connection terminated" has no SQLSTATE and leaves nothing to reuse.
 */
export function leavesConnectionUsable(err: unknown): boolean {
  const state = sqlState(err);
  if (state === undefined) return false;
  return !state.startsWith("08") && !["57P01", "57P02", "57P03"].includes(state);
}

/**
 * A `write` callback caught the error of one of its queries and returned normally: PostgreSQL had
 * already aborted the transaction, so its COMMIT rolled everything back. (SQLite would have
 * committed the statements that succeeded; PostgreSQL needs ON CONFLICT or a separate write.)
 */
export class TransactionAbortedError extends Error {
  readonly code = "TRANSACTION_ABORTED";
  constructor() {
    super(
      "write() rolled back: a query inside it failed and the callback went on; " +
        "on PostgreSQL a failed query aborts the whole transaction (use ON CONFLICT, or let the error through)",
    );
    this.name = "TransactionAbortedError";
  }
}
