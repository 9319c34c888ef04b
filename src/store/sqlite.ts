import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import { type CompiledQuery, DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector } from "kysely";
import { startCheckpointer, WAL_RESTART_BYTES } from "./checkpointer.js";
import type { Database } from "./database.js";
import {
  type Compilable,
  compileStatement,
  type Db,
  type Executor,
  type Param,
  type Statement,
} from "./db.js";
import { migrations } from "./migrations.js";
import { checkSchemaVersion } from "./schema-version.js";
import { SqliteLiteralLimitCompiler } from "./sqlite-compiler.js";
import { createFileCheck } from "./sqlite-file-check.js";
import {
  EVERYDAY_SECURE_DELETE,
  enableIncrementalAutoVacuum,
  forgetErased,
  reclaimFreePages,
} from "./sqlite-vacuum.js";
import { createWriteBatcher } from "./write-batcher.js";

/**
 * The embedded store: one SQLite file in WAL mode, behind the `Db` interface of `db.ts`. Queries
 * are built with Kysely (typed) and run by better-sqlite3, whose calls are synchronous: the
 * promises this returns are already settled, so a write's callback holds the connection for
 * microtasks only. Writes go through `write()`, which batches every write requested in the same
 * event-loop turn into a single commit ("group commit"): one fsync acknowledges many webhooks.
 * This is what lets durable acks reach thousands per second.
 */
export type Sql = BetterSqlite3.Database;

export interface SqliteDb extends Db {
  readonly dialect: "sqlite";
  /**
   * The connection itself, for SQLite-only maintenance and tests inside `store/` (never outside:
   * callers get what they need as a method here).
   */
  readonly raw: Sql;
  /**
   * Gives free pages back to the file system (incremental auto-vacuum), `pagesPerStep` at a time
   * with a turn of the event loop in between; returns how many it gave back.
   */
  reclaimSpace(options: { pagesPerStep: number; shouldStop(): boolean }): Promise<number>;
  /** After an erasure: free pages zeroed, the WAL checkpointed and truncated (sqlite-vacuum.ts). */
  forgetErased(): Promise<boolean>;
}

export interface OpenOptions {
  path: string;
  synchronous?: "FULL" | "NORMAL";
  /** TERN_SQLITE_AUTO_VACUUM; "none" when absent. */
  autoVacuum?: "incremental" | "none";
  /** Tests: how often the background checkpoint runs, the WAL size that starts it over, the gap between holds. */
  checkpointIntervalMs?: number;
  walRestartBytes?: number;
  walHoldGapMs?: number;
}

/**
 * The database holds every conversation, so it is readable by its owner only, like the key and
 * token files. SQLite creates a new database with 0644 (less the umask) and gives the -wal and
 * -shm files the database file's mode (unix VFS `findCreateFileMode`), so creating the file
 * ourselves with 0600 covers all three; files left looser by an older version are tightened.
 * https://www.sqlite.org/compile.html#default_file_permissions
 */
function ensureOwnerOnly(file: string): void {
  if (file === ":memory:" || file === "") return;
  if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(f)) chmodSync(f, 0o600);
  }
}

/** The connection's page cache, in KiB (negative `cache_size`: a size, not a page count). */
export const PAGE_CACHE_KIB = 2_000;

/** Most prepared statements kept for queries built at each call (`all`, `get`, `run`). */
export const MAX_PREPARED = 1_000;

/**
 * The prepared statement of each SQL text, the oldest dropped past `max`. A query built at each
 * call has one text per shape, but the shape can vary with the call (IN lists of any length, a
 * literal LIMIT: sqlite-compiler.ts), and an API client paging with many page sizes must not
 * grow this for ever. `statement()`s hold their own and are not counted.
 */
export function createPreparedCache(
  db: BetterSqlite3.Database,
  max = MAX_PREPARED,
): ((sql: string) => BetterSqlite3.Statement) & { readonly size: number } {
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string): BetterSqlite3.Statement => {
    let stmt = prepared.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (prepared.size >= max) prepared.delete(prepared.keys().next().value as string);
      prepared.set(sql, stmt);
    }
    return stmt;
  };
  return Object.defineProperty(prepare, "size", { get: () => prepared.size }) as ReturnType<
    typeof createPreparedCache
  >;
}

export function openSqlite(options: OpenOptions): SqliteDb {
  ensureOwnerOnly(options.path);
  const db = new BetterSqlite3(options.path);
  const assertFileInPlace = createFileCheck(options.path);
  db.pragma("journal_mode = WAL");
  // Durability is ours, not SQLite's: NORMAL skips SQLite's fsync inside COMMIT (which would
  // block the event loop) and the batcher fdatasyncs the WAL on libuv's thread pool before
  // acknowledging, which makes "FULL" exactly as durable without the stall.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.pragma("wal_autocheckpoint = 0");
  db.pragma(`secure_delete = ${EVERYDAY_SECURE_DELETE}`);
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection; SQLite's own default,
  // 2 MB, is used. Filled by a burst, the cache stays as RSS: after 10,000 waiting conversations
  // the malloc heap held 5.2 MB more with 4 MB, 3.0 MB with 2 MB, at the same Lead and ack
  // figures through the noise. The OS caches the file anyway.
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  // A group commit runs each write in a savepoint, and SQLite journals the pages a savepoint
  // changes in a statement journal that spills to a temp file past 64 KiB: under the lead bench
  // that was ~30 files a second created, written and unlinked in /var/tmp, half of all pwrite
  // calls. In memory it lives only until the batch commits.
  db.pragma("temp_store = MEMORY");
  // Opt-in: incremental auto-vacuum keeps pointer-map pages on every commit, which doubled the
  // lead bench's p99 (41–58 ms without, 91–166 ms with). Without it freed pages are reused, so the
  // file stops growing once retention keeps up, but does not shrink.
  if (options.autoVacuum === "incremental") enableIncrementalAutoVacuum(db);
  migrate(db);
  // A WAL started over keeps its size: the checkpointer trims it once writes pause, because a
  // truncation inside COMMIT stalls the event loop (checkpointer.ts).
  db.pragma("journal_size_limit = -1");
  const checkpointer = startCheckpointer(options.path, {
    intervalMs: options.checkpointIntervalMs,
    restartBytes: options.walRestartBytes ?? WAL_RESTART_BYTES,
    holdGapMs: options.walHoldGapMs,
    holdWrites: () => batcher.hold(),
  });

  const q = new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteLiteralLimitCompiler(),
    },
  });

  const prepare = createPreparedCache(db);
  const params = (c: CompiledQuery<unknown>) => c.parameters as unknown[];
  const statementsByKey = new Map<string, Statement<unknown>>();

  const toStatement = <R>(build: (p: Param) => Compilable<R>): Statement<R> => {
    const { sql, bind } = compileStatement(build);
    // Kept by this statement for the process's life, outside the bounded cache.
    const stmt = db.prepare(sql);
    const returnsRows = stmt.reader;
    // async: a bind or SQLite error becomes a rejection, as it would be on PostgreSQL.
    return {
      get: async (args) => stmt.get(...bind(args)) as R | undefined,
      all: async (args) => stmt.all(...bind(args)) as R[],
      run: async (args) => {
        if (returnsRows) throw new Error("run() on a query that returns rows");
        return { changes: stmt.run(...bind(args)).changes };
      },
    };
  };

  // The transaction handle of a write is this object itself: one connection, one transaction.
  const self: SqliteDb = {
    dialect: "sqlite",
    q,
    raw: db,
    async all<R>(query: Compilable<R>) {
      const c = query.compile();
      return prepare(c.sql).all(...params(c)) as R[];
    },
    async get<R>(query: Compilable<R>) {
      const c = query.compile();
      return prepare(c.sql).get(...params(c)) as R | undefined;
    },
    async run(query) {
      const c = query.compile();
      return { changes: prepare(c.sql).run(...params(c)).changes };
    },
    statement<R>(key: string, build: (p: Param) => Compilable<R>): Statement<R> {
      let stmt = statementsByKey.get(key) as Statement<R> | undefined;
      if (!stmt) {
        stmt = toStatement(build);
        statementsByKey.set(key, stmt as Statement<unknown>);
      }
      return stmt;
    },
    // No data-modifying WITH here: a carrier is a plain statement, and nothing is deferred.
    carrier: (key, build) => self.statement(key, (p) => build(q, p)),
    write: (fn, writeOptions) => batcher.write(fn, writeOptions),
    async ping() {
      assertFileInPlace();
      prepare("SELECT 1").get();
    },
    reclaimSpace: (reclaim) => reclaimFreePages(db, reclaim),
    forgetErased: () => forgetErased(db, () => batcher.hold()),
    async close() {
      // The checkpointer first: stopping it ends a hold it may have on the writer's commits.
      await checkpointer.stop();
      await batcher.flushNow();
      batcher.close();
      db.close();
    },
  };
  const batcher = createWriteBatcher<Executor>(
    db,
    self,
    options.synchronous === "NORMAL" ? null : `${options.path}-wal`,
    assertFileInPlace,
  );
  return self;
}

function migrate(db: Sql): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const versions = (
    db.prepare("SELECT version FROM schema_migrations").all() as Array<{ version: number }>
  ).map((r) => r.version);
  // A file migrated by a newer Tern is refused before anything is applied (schema-version.ts).
  checkSchemaVersion(
    versions,
    migrations.map((m) => m.version),
  );
  const applied = new Set(versions);
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        Date.now(),
      );
    })();
  }
}
