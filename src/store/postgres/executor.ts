import type { Kysely } from "kysely";
import type { QueryResult } from "pg";
import type { Database } from "../database.js";
import type { Compilable, Executor, PreCommitFlush, Statement } from "../db.js";
import { isStalePlan } from "./errors.js";
import type { createStatementCache } from "./statements.js";

/** What runs a query: the pool (one connection per query) or a transaction's client. */
export type RunQuery = (config: { name?: string; text: string; values?: unknown[] }) => Promise<QueryResult>;

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

/** An `Executor` over one way of running queries; the pool's and every transaction's are built alike. */
export function createExecutor(
  q: Kysely<Database>,
  runQuery: RunQuery,
  statements: ReturnType<typeof createStatementCache>,
  preCommit?: PreCommitWork,
  /** The pool's own handle: each query stands alone, so one that met a stale plan can run again. */
  rerunsStale = false,
): Executor {
  // Copies the values only in the rare query that has a NUL: this runs for every query.
  const query: RunQuery = (config) =>
    runQuery(config.values?.some(hasNul) ? { ...config, values: config.values.map(withoutNul) } : config);
  const rows = async <R>(compilable: Compilable<R>): Promise<R[]> => {
    const c = compilable.compile();
    return (await query({ text: c.sql, values: c.parameters as unknown[] })).rows as R[];
  };
  const bound = new Map<string, Statement<unknown>>();
  const beforeCommit = preCommit
    ? <V>(name: string, values: readonly V[], flush: PreCommitFlush<V>) => {
        const work = preCommit.get(name) ?? {
          values: new Set<unknown>(),
          flush: flush as PreCommitFlush<unknown>,
        };
        preCommit.set(name, work);
        for (const value of values) work.values.add(value);
      }
    : undefined;
  return {
    dialect: "postgres",
    q,
    ...(beforeCommit ? { beforeCommit } : {}),
    all: rows,
    get: async (compilable) => (await rows(compilable))[0],
    run: async (compilable) => {
      const c = compilable.compile();
      const result = await query({ text: c.sql, values: c.parameters as unknown[] });
      return { changes: result.rowCount ?? 0 };
    },
    statement<R>(key: string, build: Parameters<Executor["statement"]>[1]): Statement<R> {
      let statement = bound.get(key) as Statement<R> | undefined;
      if (!statement) {
        // Looked up at each run: a table that changed shape renews the names (statements.ts).
        const exec = async (args?: Record<string, unknown>) => {
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
        statement = {
          get: async (args) => (await exec(args)).rows[0] as R | undefined,
          all: async (args) => (await exec(args)).rows as R[],
          run: async (args) => ({ changes: (await exec(args)).rowCount ?? 0 }),
        };
        bound.set(key, statement as Statement<unknown>);
      }
      return statement;
    },
  };
}
