import type pg from "pg";

const guarded = new WeakSet<pg.Pool>();

/**
 * A connection that the server drops (restart, failover, `pg_terminate_backend`) emits `error`:
 * on its client when it is checked out and between queries, and on the pool when it is idle.
 * Without a listener either is an uncaught exception that ends the process. This gives every
 * client a listener from the moment the pool creates it, so call it before the pool's first
 * connection. Each broken connection is reported once, by its client's listener: the pool's
 * event repeats it. `pg` attaches the whole client to such errors, so `onError` gets a new Error
 * with only the message and code.
 */
export function guardPool(pool: pg.Pool, onError: (error: Error & { code?: string }) => void): void {
  if (guarded.has(pool)) return;
  guarded.add(pool);
  pool.on("error", () => {
    // Already reported by the client's own listener below.
  });
  pool.on("connect", (client) => {
    client.on("error", (error: Error & { code?: string }) => {
      // An Error, not a plain object: the logger's outage check (isStorageFailure) takes only
      // Errors, and a plain one made every connection of a cut pool a line of its own.
      const reported: Error & { code?: string } = new Error(error.message);
      if (error.code !== undefined) reported.code = error.code;
      onError(reported);
    });
  });
}
