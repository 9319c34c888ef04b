import type { SecretBox } from "../core/secrets.js";
import type { Db, Dialect, WriteOptions } from "./db.js";
import type { PostgresDb, PostgresLog } from "./postgres/open.js";
import { createLazyRepos, createRepos, type Repos } from "./repos/index.js";
import { openSqlite } from "./sqlite.js";

export type { Repos } from "./repos/index.js";

/** What a store's database offers beyond `Db`: maintenance only one dialect needs. */
export interface StoreDb extends Db {
  /** SQLite: gives pages freed by pruning back to the file system (incremental auto-vacuum). */
  reclaimSpace?(options: { pagesPerStep: number; shouldStop(): boolean }): Promise<number>;
  /** SQLite: after an erasure, leaves no copy of what it deleted in free pages or the WAL. */
  forgetErased?(): Promise<boolean>;
}

/** The database and every repository on it. Callers never see SQL nor the driver. */
export interface Store extends Repos {
  readonly dialect: Dialect;
  readonly db: StoreDb;
  /**
   * Runs `fn` in one transaction with the repositories bound to it (`tx.runs.saveStep(...)`) and
   * resolves after its COMMIT (durable unless `durable: false`). `fn` awaits only `tx`'s queries:
   * no network, no other store (see `Db.write`).
   */
  write<T>(fn: (tx: Repos) => Promise<T>, options?: WriteOptions<T>): Promise<T>;
  /** Throws when the database does not answer (`/readyz`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the embedded database and wires every repository to it. */
export function openSqliteStore(options: Parameters<typeof openStore>[0]): Store {
  return openStore(options);
}

/**
 * Opens PostgreSQL (`DATABASE_URL`), applying pending migrations, and wires every repository
 * to it. Each write gets the repositories bound to its own transaction.
 */
export async function openPostgresStore(options: {
  url: string;
  box: SecretBox;
  poolSize?: number;
  applicationName?: string;
  log?: PostgresLog;
}): Promise<Store & { readonly db: PostgresDb }> {
  // Loaded only here: the embedded mode never pays for the PostgreSQL driver.
  const { openPostgres } = await import("./postgres/open.js");
  const db = await openPostgres({
    url: options.url,
    poolSize: options.poolSize,
    applicationName: options.applicationName,
    log: options.log,
  });
  try {
    // graphile-worker's schema with Tern's: an ingest-only process enqueues jobs from its first webhook.
    const { installJobSchema } = await import("./postgres/jobs-schema.js");
    await installJobSchema(db.pool, options.log ? jobLogOf(options.log) : undefined);
    if (options.log?.warn) {
      const { autovacuumState, autovacuumWarning } = await import("./postgres/autovacuum.js");
      const warning = autovacuumWarning(await autovacuumState(db.pool));
      if (warning) options.log.warn({ setting: "autovacuum" }, warning);
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  const repos = createRepos(db, options.box, db);
  return {
    ...repos,
    dialect: db.dialect,
    db,
    write: (fn, writeOptions) => db.write((tx) => fn(createLazyRepos(tx, options.box, db)), writeOptions),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

/** graphile-worker's migrations log through the store's log (errors only). */
function jobLogOf(log: PostgresLog) {
  const quiet = () => {};
  return {
    debug: quiet,
    info: quiet,
    warn: (obj: object, msg?: string) => log.error(obj, msg),
    error: log.error.bind(log),
  };
}

/** Opens the embedded database and wires every repository to it. */
export function openStore(options: {
  path: string;
  box: SecretBox;
  synchronous?: "FULL" | "NORMAL";
  autoVacuum?: "incremental" | "none";
}): Store {
  const db = openSqlite({
    path: options.path,
    synchronous: options.synchronous,
    autoVacuum: options.autoVacuum,
  });
  // One connection: a write's transaction is the database itself, so it gets the same set.
  const repos = createRepos(db, options.box, db);
  return {
    ...repos,
    dialect: db.dialect,
    db,
    write: (fn, writeOptions) => db.write(() => fn(repos), writeOptions),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
