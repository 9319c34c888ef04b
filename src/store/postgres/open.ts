import pg from "pg";
import type { Db, Executor, WriteOptions } from "../db.js";
import { withAdvisoryLock } from "./advisory-lock.js";
import { createPostgresBuilder } from "./builder.js";
import { createExecutor } from "./executor.js";
import { createGroupCommitter } from "./group-commit.js";
import { listenFor } from "./listen.js";
import { migratePostgres } from "./migrate.js";
import { guardPool } from "./pool-guard.js";
import { createStatementCache } from "./statements.js";
import { type ExecutorFor, runSingle, runWrite } from "./transaction.js";
import { numberTypes } from "./types.js";

/** Where connection errors of idle clients go (a pino logger fits). */
export interface PostgresLog {
  error(obj: object, msg?: string): void;
  /** Given (a pino logger): what to tell the operator about the server's settings at start. */
  warn?(obj: object, msg?: string): void;
}

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  url: string;
  /** Connections in the pool; each `write` holds one for its transaction. Default 10. */
  poolSize?: number;
  /** Shown in `pg_stat_activity`. Default "tern". */
  applicationName?: string;
  /** Apply pending migrations before resolving (default true, as SQLite does on open). */
  migrate?: boolean;
  log?: PostgresLog;
}

/** The PostgreSQL `Db`; `pool` is exposed for what shares it (the job engine) and for tests. */
export interface PostgresDb extends Db {
  readonly pool: pg.Pool;
}

const DEFAULT_POOL_SIZE = 10;
/**
 * Grouped transactions in flight at once. Their commits NOTIFY (a job was enqueued), and such
 * commits are serialized server-wide: a third group only waits for that lock with a group of its
 * own, where it could have joined the next one. Two let one group run its statements while the
 * other commits. Measured (bench pg-ack, paired runs, 5 slots → 2): ack max 2,295 → 2,800 and
 * 3,406 → 4,118 webhooks/s; 5,000/s offered 3,855 → 4,853/s; p99 at 1,000/s 65 → 39 ms.
 */
const GROUP_SLOTS = 2;

const stderrLog: PostgresLog = {
  error: (obj, msg) => {
    const err = (obj as { err?: unknown }).err;
    console.error(`[tern postgres] ${msg ?? ""}`, err instanceof Error ? err.message : obj);
  },
};

export async function openPostgres(options: PostgresOptions): Promise<PostgresDb> {
  const log = options.log ?? stderrLog;
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  const applicationName = options.applicationName ?? "tern";
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    application_name: applicationName,
    types: numberTypes,
    // Never wait forever for a connection (a server that is down must fail /readyz, not hang it),
    // and notice a peer that vanished without closing the socket.
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  });
  // A connection that breaks (server restart, failover, pg_terminate_backend) emits 'error' on the
  // pool when idle, on its client when checked out; without a listener either ends the process.
  // Guarded before the first connection: a client the migrations opened lives on in the pool, and
  // graphile-worker holds the clients it checks out without a listener of its own between queries.
  guardPool(pool, (err) =>
    log.error({ err }, "PostgreSQL connection lost; its queries fail and the pool reconnects"),
  );

  if (options.migrate !== false) {
    try {
      await migratePostgres(pool);
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
  }

  const q = createPostgresBuilder();
  const statements = createStatementCache();
  const executorFor: ExecutorFor = (query, mode) => createExecutor(q, query, statements, mode);
  const root = createExecutor(q, (config) => pool.query(config), statements, { rerunsStale: true });

  // GROUP_SLOTS, and never more than half the pool: reads and the other writes keep connections.
  const grouped = createGroupCommitter(
    pool,
    executorFor,
    Math.max(1, Math.min(GROUP_SLOTS, Math.floor(poolSize / 2))),
  );
  // A replayable one-statement write (a step's persist) runs alone while no group is forming; under
  // load it joins the group instead, whose one BEGIN, COMMIT and connection are shared by many runs'
  // statements (measured, `pg-pipeline-1`: alone, each paying its own commit and pool checkout, a
  // message cost ~13 % more CPU; at 100 conversations/s, ~15 % less per conversation than grouped).
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;

  return {
    ...root,
    pool,
    write<T>(fn: (tx: Executor) => Promise<T>, writeOptions?: WriteOptions<T>): Promise<T> {
      if (closing) return Promise.reject(new Error("the PostgreSQL store is closed"));
      const durable = writeOptions?.durable !== false;
      const written =
        writeOptions?.group || (writeOptions?.single && !durable && grouped.isForming())
          ? grouped.write(fn, durable)
          : writeOptions?.single
            ? runSingle(pool, executorFor, fn, durable)
            : runWrite(pool, executorFor, fn, writeOptions);
      const committed = writeOptions?.committed;
      const done = committed
        ? written.then((value) => {
            committed(value);
            return value;
          })
        : written;
      const tracked = done.catch(() => {}).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      return done;
    },
    exclusive: (name, fn) => withAdvisoryLock(pool, name, fn),
    listen: (channel, onNotify) =>
      listenFor({ url: options.url, applicationName: `${applicationName} listen`, log }, channel, onNotify),
    async ping() {
      await pool.query("SELECT 1");
    },
    close() {
      // Writes already requested finish (commit or fail) before the pool ends.
      closing ??= (async () => {
        while (inFlight.size > 0) await Promise.all(inFlight);
        await pool.end();
      })();
      return closing;
    },
  };
}
