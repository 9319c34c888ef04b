import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { startCheckpointer } from "./checkpointer.js";
import type { Database } from "./database.js";
import { migrations } from "./migrations.js";
import { enableIncrementalAutoVacuum } from "./sqlite-vacuum.js";
import { createWriteBatcher, type WriteOptions } from "./write-batcher.js";

export type { WriteOptions } from "./write-batcher.js";

/**
 * The embedded store: one SQLite file in WAL mode. Queries are built with Kysely (typed) and
 * executed synchronously by better-sqlite3, so a group of writes can run inside one
 * transaction without yielding. Writes go through `write()`, which batches every write
 * requested in the same event-loop turn into a single commit ("group commit"): one fsync
 * acknowledges many webhooks. This is what lets durable acks reach thousands per second.
 */
export type Sql = BetterSqlite3.Database;

export interface SqliteStore {
  /** Typed query builder; build with it, then run with `all/get/run`. */
  q: Kysely<Database>;
  all<R>(query: { compile(): CompiledQuery<R> }): R[];
  get<R>(query: { compile(): CompiledQuery<R> }): R | undefined;
  run(query: { compile(): CompiledQuery<unknown> }): { changes: number; lastInsertRowid: number | bigint };
  /**
   * Runs `fn` inside a transaction shared with other writes of this turn and resolves after
   * the COMMIT is durable. If `fn` throws, only its own changes roll back (savepoint).
   */
  write<T>(fn: () => T, options?: WriteOptions): Promise<T>;
  /**
   * A typed query built and compiled once, then run many times with named arguments:
   * `statement("runs.byId", (p) => q.selectFrom("runs").selectAll().where("id", "=", p("id")))`
   * then `.get({ id })`. Building and compiling a Kysely query costs ~20 µs; the hot path runs
   * a dozen queries per message, so the repositories on it use this.
   */
  statement<R>(key: string, build: (p: Param) => { compile(): CompiledQuery<R> }): Statement<R>;
  close(): Promise<void>;
  readonly db: Sql;
}

/** Marks a named argument inside a query built for `statement()`. */
export type Param = (name: string) => never;

export type Args = Record<string, unknown>;

export interface Statement<R> {
  get(args?: Args): R | undefined;
  all(args?: Args): R[];
  run(args?: Args): { changes: number; lastInsertRowid: number | bigint };
}

const PARAM_PREFIX = "\u0000tern-param:";

function compileStatement<R>(db: Sql, build: (p: Param) => { compile(): CompiledQuery<R> }): Statement<R> {
  const compiled = build(((name: string) => `${PARAM_PREFIX}${name}`) as Param).compile();
  type Slot = { kind: "arg"; name: string } | { kind: "const"; value: unknown };
  const slots = (compiled.parameters as unknown[]).map(
    (value): Slot =>
      typeof value === "string" && value.startsWith(PARAM_PREFIX)
        ? { kind: "arg", name: value.slice(PARAM_PREFIX.length) }
        : { kind: "const", value },
  );
  const stmt = db.prepare(compiled.sql);
  const bind = (args: Args = {}) =>
    slots.map((slot) => {
      if (slot.kind === "const") return slot.value;
      if (!(slot.name in args)) throw new Error(`statement argument "${slot.name}" is missing`);
      return args[slot.name];
    });
  const returnsRows = stmt.reader;
  return {
    get: (args) => stmt.get(...bind(args)) as R | undefined,
    all: (args) => stmt.all(...bind(args)) as R[],
    run: (args) => {
      if (returnsRows) throw new Error("run() on a query that returns rows");
      const r = stmt.run(...bind(args));
      return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
    },
  };
}

export interface OpenOptions {
  path: string;
  synchronous?: "FULL" | "NORMAL";
  /** TERN_SQLITE_AUTO_VACUUM; "none" when absent. */
  autoVacuum?: "incremental" | "none";
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

export function openSqlite(options: OpenOptions): SqliteStore {
  ensureOwnerOnly(options.path);
  const db = new BetterSqlite3(options.path);
  db.pragma("journal_mode = WAL");
  // Durability is ours, not SQLite's: NORMAL skips SQLite's fsync inside COMMIT (which would
  // block the event loop) and the batcher fdatasyncs the WAL on libuv's thread pool before
  // acknowledging, which makes "FULL" exactly as durable without the stall.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.pragma("wal_autocheckpoint = 0");
  // Opt-in: incremental auto-vacuum keeps pointer-map pages on every commit, which doubled the
  // lead bench's p99 (41–58 ms without, 91–166 ms with). Without it freed pages are reused, so the
  // file stops growing once retention keeps up, but does not shrink.
  if (options.autoVacuum === "incremental") enableIncrementalAutoVacuum(db);
  migrate(db);
  const checkpointer = startCheckpointer(options.path);

  const q = new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });

  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string): BetterSqlite3.Statement => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const params = (c: CompiledQuery<unknown>) => c.parameters as unknown[];
  const statementsByKey = new Map<string, Statement<unknown>>();

  const batcher = createWriteBatcher(db, options.synchronous === "NORMAL" ? null : `${options.path}-wal`);

  return {
    q,
    db,
    all<R>(query: { compile(): CompiledQuery<R> }) {
      const c = query.compile();
      return prepare(c.sql).all(...params(c)) as R[];
    },
    get<R>(query: { compile(): CompiledQuery<R> }) {
      const c = query.compile();
      return prepare(c.sql).get(...params(c)) as R | undefined;
    },
    run(query) {
      const c = query.compile();
      const r = prepare(c.sql).run(...params(c));
      return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
    },
    write: batcher.write,
    statement<R>(key: string, build: (p: Param) => { compile(): CompiledQuery<R> }): Statement<R> {
      let stmt = statementsByKey.get(key) as Statement<R> | undefined;
      if (!stmt) {
        stmt = compileStatement(db, build);
        statementsByKey.set(key, stmt as Statement<unknown>);
      }
      return stmt;
    },
    async close() {
      batcher.flushNow();
      await checkpointer.stop();
      batcher.close();
      db.close();
    },
  };
}

function migrate(db: Sql): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as Array<{ version: number }>).map(
      (r) => r.version,
    ),
  );
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
