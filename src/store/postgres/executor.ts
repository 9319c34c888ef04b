import { type Kysely, type QueryCreator, sql } from "kysely";
import type { QueryResult } from "pg";
import type { Database } from "../database.js";
import type {
  Args,
  Compilable,
  CteAdder,
  Executor,
  Param,
  PreCommitFlush,
  Statement,
  TableName,
} from "../db.js";
import { isStalePlan } from "./errors.js";
import type { createStatementCache } from "./statements.js";

/** What runs a query: the pool (one connection per query) or a transaction's client. */
export type RunQuery = (config: { name?: string; text: string; values?: unknown[] }) => Promise<QueryResult>;

/** A transaction callback's handle: its deferred statements run by `flushDeferred` at the latest. */
export type TxExecutor = Executor & {
  /** Runs what is still deferred; the handle then refuses to defer more. */
  flushDeferred?(): Promise<void>;
};

/**
 * PostgreSQL's `text` cannot hold U+0000 (SQLite's can): a customer's message or profile name
 * with one is stored with U+FFFD in its place rather than refused after the webhook was
 * acknowledged. Keys with one then simply match nothing.
 */
const hasNul = (value: unknown): value is string => typeof value === "string" && value.includes("\u0000");
const withoutNul = (value: unknown): unknown =>
  hasNul(value) ? value.replaceAll("\u0000", "\uFFFD") : value;

/** What a transaction's callbacks asked to run before its COMMIT (`Executor.beforeCommit`). */
export type PreCommitWork = Map<string, { values: Set<unknown>; flush: PreCommitFlush<unknown> }>;

interface Deferred {
  key: string;
  add: CteAdder;
  args: Args;
  writes: readonly TableName[];
  target: string;
}

/** The deferred statements' CTEs on `q`, each with its arguments named apart (`d<i>.<name>`). */
const withDeferred = (q: QueryCreator<Database>, items: readonly Deferred[], p: Param) =>
  items.reduce((qc, d, i) => d.add(qc, ((name: string) => p(`d${i}.${name}`)) as Param, `d${i}_`), q);
const deferredArgs = (items: readonly Deferred[], into: Args): Args => {
  items.forEach((d, i) => {
    for (const name in d.args) into[`d${i}.${name}`] = d.args[name];
  });
  return into;
};
const deferredKeys = (items: readonly Deferred[]) => items.map((d) => d.key).join("+");

/** What kind of handle `createExecutor` makes. */
export interface HandleMode {
  /** A transaction callback's handle: its pre-commit work (absent on the pool's and a `single` write's). */
  preCommit?: PreCommitWork;
  /** Statements may be deferred (`Executor.defer`): a transaction's callback, or a `single` write. */
  defers?: boolean;
  /**
   * A replayable `single` write (no transaction around it): a carrier, or the deferred
   * statements alone, commit without waiting for the disk (`ASYNC_COMMIT`). Any other statement
   * commits as the server's `synchronous_commit` says: durable, more than was asked.
   */
  asyncCommit?: boolean;
  /** The pool's own handle: each query stands alone, so one that met a stale plan can run again. */
  rerunsStale?: boolean;
}

/**
 * `SET LOCAL synchronous_commit = off` for a statement that runs without a transaction block
 * (where SET LOCAL does nothing): `set_config(…, true)` lasts to the end of the statement's own
 * transaction, and COMMIT reads the setting. A SELECT CTE runs only when read, a data-modifying
 * one always; this one evaluates the call and, its result never null, inserts nothing.
 */
const ASYNC_COMMIT = sql`(insert into settings (key, value_json, updated_at) select null, null, null from (select set_config('synchronous_commit', 'off', true) as v) s where s.v is null)`;
const withAsyncCommit = (qc: QueryCreator<Database>) =>
  // Kysely writes a raw CTE body as it is (hence its parentheses); its types ask for a builder.
  qc.with("tern_async_commit", () => ASYNC_COMMIT as never) as unknown as QueryCreator<Database>;

/** An `Executor` over one way of running queries; the pool's and every transaction's are built alike. */
export function createExecutor(
  q: Kysely<Database>,
  runQuery: RunQuery,
  statements: ReturnType<typeof createStatementCache>,
  mode: HandleMode = {},
): TxExecutor {
  const { preCommit, rerunsStale = false, asyncCommit = false } = mode;
  /** Where a combined statement starts: the async-commit CTE first where asked for. */
  const base = asyncCommit ? withAsyncCommit(q) : q;
  const suffix = asyncCommit ? "+async" : "";
  // Copies the values only in the rare query that has a NUL: this runs for every query.
  const query: RunQuery = (config) =>
    runQuery(config.values?.some(hasNul) ? { ...config, values: config.values.map(withoutNul) } : config);
  // Looked up at each run: a table that changed shape renews the names (statements.ts).
  const runNamed = async (key: string, build: (p: Param) => Compilable<unknown>, args?: Args) => {
    const prepared = statements.get(key, build);
    try {
      return await query({ name: prepared.name, text: prepared.text, values: prepared.bind(args) });
    } catch (err) {
      if (!isStalePlan(err)) throw err;
      statements.invalidate(prepared.name);
      // Outside a transaction the query runs again, under its new name; inside one the
      // transaction is aborted, and the write retries it whole (transaction.ts).
      if (!rerunsStale) throw err;
      const renewed = statements.get(key, build);
      return query({ name: renewed.name, text: renewed.text, values: renewed.bind(args) });
    }
  };

  // This callback's deferred statements, in request order (`defer`).
  let deferred: Deferred[] = [];
  let isFlushed = false;
  /** Runs the deferred statements as one (`with … select 1`: PostgreSQL runs every data-modifying CTE). */
  const flush = async (): Promise<void> => {
    if (deferred.length === 0) return;
    const items = deferred;
    deferred = [];
    await runNamed(
      `deferred:${deferredKeys(items)}${suffix}`,
      (p) => withDeferred(base, items, p).selectNoFrom(sql<number>`1`.as("one")),
      deferredArgs(items, {}),
    );
  };
  const rows = async <R>(compilable: Compilable<R>): Promise<R[]> => {
    if (deferred.length > 0) await flush();
    const c = compilable.compile();
    return (await query({ text: c.sql, values: c.parameters as unknown[] })).rows as R[];
  };
  const toStatement = <R>(exec: (args?: Args) => Promise<QueryResult>): Statement<R> => ({
    get: async (args) => (await exec(args)).rows[0] as R | undefined,
    all: async (args) => (await exec(args)).rows as R[],
    run: async (args) => ({ changes: (await exec(args)).rowCount ?? 0 }),
  });
  const bound = new Map<string, Statement<unknown>>();
  const beforeCommit = preCommit
    ? <V>(name: string, values: readonly V[], flushWork: PreCommitFlush<V>) => {
        const work = preCommit.get(name) ?? {
          values: new Set<unknown>(),
          flush: flushWork as PreCommitFlush<unknown>,
        };
        preCommit.set(name, work);
        for (const value of values) work.values.add(value);
      }
    : undefined;
  const defer = mode.defers
    ? async (key: string, add: CteAdder, args: Args, writes: readonly TableName[], target: string) => {
        if (isFlushed) throw new Error("a write() transaction handle was used after its callback returned");
        // A row written twice in one statement keeps either write: the first goes on its own.
        if (deferred.some((d) => d.target === target)) await flush();
        deferred.push({ key, add, args, writes, target });
      }
    : undefined;
  return {
    dialect: "postgres",
    q,
    ...(beforeCommit ? { beforeCommit } : {}),
    ...(defer
      ? {
          defer,
          flushDeferred: async () => {
            isFlushed = true;
            if (deferred.length > 0) await flush();
          },
        }
      : {}),
    all: rows,
    get: async (compilable) => (await rows(compilable))[0],
    run: async (compilable) => {
      if (deferred.length > 0) await flush();
      const c = compilable.compile();
      const result = await query({ text: c.sql, values: c.parameters as unknown[] });
      return { changes: result.rowCount ?? 0 };
    },
    statement<R>(key: string, build: (p: Param) => Compilable<R>): Statement<R> {
      let statement = bound.get(key) as Statement<R> | undefined;
      if (!statement) {
        statement = toStatement<R>(async (args) => {
          if (deferred.length > 0) await flush();
          return runNamed(key, build, args);
        });
        bound.set(key, statement as Statement<unknown>);
      }
      return statement;
    },
    carrier<R>(
      key: string,
      build: (qc: QueryCreator<Database>, p: Param) => Compilable<R>,
      touches: readonly TableName[],
    ): Statement<R> {
      let statement = bound.get(key) as Statement<R> | undefined;
      if (!statement) {
        const alone = (p: Param) => build(q, p);
        statement = toStatement<R>(async (args) => {
          // Rows a CTE writes are invisible to the rest of its statement (one snapshot): only
          // statements on other tables ride along.
          let riding: Deferred[] = [];
          if (deferred.some((d) => d.writes.some((t) => touches.includes(t)))) await flush();
          else {
            riding = deferred;
            deferred = [];
          }
          if (riding.length === 0 && !asyncCommit) return runNamed(key, alone, args);
          return runNamed(
            `${key}+${deferredKeys(riding)}${suffix}`,
            (p) => build(withDeferred(base, riding, p), p),
            deferredArgs(riding, { ...args }),
          );
        });
        bound.set(key, statement as Statement<unknown>);
      }
      return statement;
    },
  };
}
