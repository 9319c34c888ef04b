import type pg from "pg";

type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, release?: () => void) => void;

/**
 * The pool as graphile-worker sees it: no connection is handed out before `gate()` resolves.
 * graphile only ever calls `connect()` on it (its fetches, completions and LISTEN client), so
 * nothing it does reaches the database first — not even the local queue's first batch fetch,
 * which graphile 0.17 issues at start without awaiting `forbiddenFlags`. A rejected gate fails
 * that one connect (graphile logs it and tries again on its next poll or reconnect).
 *
 * By hand because pg offers no hook before `connect()`; a wrapper with only that method is what
 * graphile's `makeWithPgClientFromPool` and its listener use (node_modules/graphile-worker/dist).
 */
export function gatedPool(pool: pg.Pool, gate: () => null | Promise<unknown>): pg.Pool {
  const open = () => Promise.resolve(gate());
  function connect(): Promise<pg.PoolClient>;
  function connect(callback: ConnectCallback): void;
  function connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    if (!callback) return open().then(() => pool.connect());
    open().then(
      () => pool.connect(callback),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
    );
    return undefined;
  }
  return { connect } as unknown as pg.Pool;
}
