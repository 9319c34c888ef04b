import type { CompiledQuery, Kysely, QueryCreator } from "kysely";
import type { Database } from "./database.js";

/**
 * The one query seam of Tern: repositories build queries with Kysely (typed, compiled by the
 * dialect's compiler) and run them through an `Executor`. Two implementations: SQLite
 * (`sqlite.ts`, embedded default, group commit) and PostgreSQL (`postgres/`, `DATABASE_URL`).
 * Everything is asynchronous so that one interface serves both; nothing outside `store/` sees SQL.
 */
export type Dialect = "sqlite" | "postgres";

/** Anything Kysely can compile: a query builder, or `sql\`...\`` compiled against `q`. */
export interface Compilable<R> {
  compile(): CompiledQuery<R>;
}

/** Marks a named argument inside a query built for `statement()`. */
export type Param = (name: string) => never;
export type Args = Record<string, unknown>;

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/**
 * A typed query built and compiled once, then run many times with named arguments:
 * `statement("runs.byId", (p) => q.selectFrom("runs").selectAll().where("id", "=", p("id")))`
 * then `.get({ id })`. Building and compiling a Kysely query costs ~20 µs and the hot path runs a
 * dozen queries per message, so the repositories on it use this.
 */
export interface Statement<R> {
  get(args?: Args): Promise<R | undefined>;
  all(args?: Args): Promise<R[]>;
  run(args?: Args): Promise<RunResult>;
}

/** Runs queries: on the database outside a transaction, or inside one (a `write` callback's handle). */
export interface Executor {
  readonly dialect: Dialect;
  /** Typed query builder of this dialect; build with it, then run with `all/get/run`. */
  readonly q: Kysely<Database>;
  all<R>(query: Compilable<R>): Promise<R[]>;
  get<R>(query: Compilable<R>): Promise<R | undefined>;
  run(query: Compilable<unknown>): Promise<RunResult>;
  statement<R>(key: string, build: (p: Param) => Compilable<R>): Statement<R>;
  /**
   * `statement()` whose builder starts from a query creator, so that statements `defer`red before
   * it in the same write can ride on it as CTEs (PostgreSQL): one round trip for both. `touches`
   * names every table it reads or writes; a deferred statement that writes one of them runs first,
   * on its own. Elsewhere, a plain `statement()`.
   */
  carrier<R>(
    key: string,
    build: (qc: QueryCreator<Database>, p: Param) => Compilable<R>,
    touches: readonly TableName[],
  ): Statement<R>;
  /**
   * Inside a PostgreSQL `write` (absent elsewhere: run the statement instead): queues a statement
   * whose result nobody reads, made of data-modifying CTEs (`add`), to run before the callback's
   * next statement, as part of it when that one is a `carrier` touching none of `writes`, else
   * just before it; at the latest when the callback returns. Its error is that statement's, or the
   * callback's. `key` names what `add` builds (one key, one builder), like `statement()`'s.
   * `target` names the row it writes: two deferred statements of one target never share a
   * statement (one statement updating a row twice keeps either update).
   */
  defer?(key: string, add: CteAdder, args: Args, writes: readonly TableName[], target: string): Promise<void>;
  /**
   * Inside a PostgreSQL `write`: adds `values` to the set named `name`; `flush` runs once, just
   * before COMMIT, with every value the transaction's callbacks added (a group commit of 200
   * webhooks enqueues their conversations' jobs in one call, not 200). Absent elsewhere.
   */
  beforeCommit?<V>(name: string, values: readonly V[], flush: PreCommitFlush<V>): void;
}

export type TableName = keyof Database & string;

/**
 * Adds a statement's data-modifying CTEs to a query (PostgreSQL's WITH): what `defer` queues.
 * Its CTEs' names start with `prefix`, unique in the statement it joins.
 */
export type CteAdder = (qc: QueryCreator<Database>, p: Param, prefix: string) => QueryCreator<Database>;

/** Runs with every value the transaction added under one name (a set: equal strings once). */
export type PreCommitFlush<V = string> = (tx: Executor, values: V[]) => Promise<void>;

export interface WriteOptions<T = unknown> {
  /**
   * false: resolve once committed (visible, and safe from a process crash) without waiting for
   * the disk. Only for writes that can be replayed from durable data after a power cut, such as
   * run progress between two effects. SQLite: no fdatasync wait; PostgreSQL:
   * `SET LOCAL synchronous_commit = off`.
   */
  durable?: boolean;
  /**
   * true: may share its transaction with other grouped writes of the same moment (one COMMIT for
   * many small writes, e.g. webhook ingest). A callback that throws still rejects alone: its
   * group is rolled back and the others run again, each in its own transaction. SQLite ignores
   * it: it always groups.
   */
  group?: boolean;
  /**
   * true: `fn` runs exactly one statement, which PostgreSQL then runs alone, without BEGIN and
   * COMMIT (one statement is atomic and commits by itself): two round trips fewer. A second
   * statement is refused with an error, after the first has committed, so only callbacks whose
   * whole write is one statement may say so; `beforeCommit` is absent. What `fn` deferred rides
   * on that statement (or is it, when `fn` ran none). With `durable: false` only a `carrier` (or
   * the deferred statements alone) skips the wait for the disk; another statement commits
   * durably. Not grouped (ignored with `group`). SQLite ignores it.
   */
  single?: boolean;
  /**
   * true: on PostgreSQL `fn` runs no statement of its own, it only `defer`s (a settle): the run
   * writer may then put it in a `single` write with the carrier after it (queue/run-writer.ts).
   * Elsewhere it changes nothing.
   */
  defersOnly?: boolean;
  /**
   * Called with the callback's value once the COMMIT is visible to every reader: on SQLite before
   * the fdatasync a durable write then waits for, on PostgreSQL when the write resolves. Work that
   * only reads what was committed (poking the worker) can start while the disk catches up: every
   * effect the worker then causes has a durable intent, whose fdatasync covers this commit too
   * (the WAL is one sequence). Not called when the write fails.
   */
  committed?(value: T): void;
}

export interface Db extends Executor {
  /**
   * Runs `fn` in a transaction and resolves after its COMMIT (durable unless `durable: false`).
   * `fn` must run its queries through `tx` only and await nothing but them (no network): on
   * SQLite the transaction is shared with the other writes of the same turn (group commit) and
   * a callback that throws rolls back only its own changes (savepoint).
   */
  write<T>(fn: (tx: Executor) => Promise<T>, options?: WriteOptions<T>): Promise<T>;
  /**
   * Runs `fn` holding a lock named `name` that every process using this database respects; `fn`
   * may make network calls (a token refresh). Only where several processes share the database
   * (PostgreSQL); absent on SQLite, whose file belongs to one process.
   */
  exclusive?<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` when another process's transaction that NOTIFYs `channel` commits (and once
   * after a lost listening connection is back); returns how to stop. PostgreSQL only.
   */
  listen?(channel: string, onNotify: (event: "notify" | "reconnected") => void): () => Promise<void>;
  /** Throws when the database does not answer (`/readyz`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const PARAM_PREFIX = "\u0000tern-param:";

/** The placeholder function handed to `statement()` builders. */
export const paramMarker = ((name: string) => `${PARAM_PREFIX}${name}`) as Param;

type Slot = { kind: "arg"; name: string } | { kind: "const"; value: unknown };

/**
 * Compiles a `statement()` builder once and returns its SQL and a binder that turns named
 * arguments into the positional parameters of that SQL. Shared by both dialects.
 */
export function compileStatement<R>(build: (p: Param) => Compilable<R>): {
  sql: string;
  bind(args?: Args): unknown[];
} {
  const compiled = build(paramMarker).compile();
  const slots = (compiled.parameters as unknown[]).map(
    (value): Slot =>
      typeof value === "string" && value.startsWith(PARAM_PREFIX)
        ? { kind: "arg", name: value.slice(PARAM_PREFIX.length) }
        : { kind: "const", value },
  );
  return {
    sql: compiled.sql,
    bind: (args: Args = {}) =>
      slots.map((slot) => {
        if (slot.kind === "const") return slot.value;
        if (!(slot.name in args)) throw new Error(`statement argument "${slot.name}" is missing`);
        return args[slot.name];
      }),
  };
}
