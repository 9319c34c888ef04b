import type pg from "pg";

const guarded = new WeakSet<pg.Pool>();

/**
 * A connection that the server drops (restart, failover, `pg_terminate_backend`) emits `error`:
 * on its client when it is checked out and between queries, and on the pool when it is idle.
 * Without a listener either is an uncaught exception that ends the process. This gives every
 * client a listener from the moment the pool creates it, so call it before the pool's first
 * connection. Each broken connection is reported once, by its client's listener: the pool's
 * event repeats it. `pg` attaches the whole client to such errors, so `onError` gets only the
 * message and code.
 */
export function guardPool(pool: pg.Pool, onError: (error: { message: string; code?: string }) => void): void {
  if (guarded.has(pool)) return;
  guarded.add(pool);
  pool.on("error", () => {
    // Already reported by the client's own listener below.
  });
  pool.on("connect", (client) => {
    client.on("error", (error: Error & { code?: string }) =>
      onError({ message: error.message, code: error.code }),
    );
  });
}
