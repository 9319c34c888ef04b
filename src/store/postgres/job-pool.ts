import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
} from "kysely";
import type pg from "pg";

/**
 * Runs the job engine's SQL (`jobs-sql.ts`, `job-workers.ts`) on a plain `pg` pool. The job
 * runner owns its connections (graphile-worker needs a `pg.Pool` anyway), so it cannot go through
 * a `Db`; callers that hold a `Db` compile the same builders against their executor's `q`.
 */

/** Compiles only: PostgreSQL's compiler with a driver that never connects. */
// biome-ignore lint/suspicious/noExplicitAny: raw `sql` builders need no table types
export const pgCompiler = new Kysely<any>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** A pool or a checked-out client: anything that runs one statement. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

export async function jobQuery<R>(db: Queryable, query: RawBuilder<R>): Promise<R[]> {
  const compiled = query.compile(pgCompiler);
  const result = await db.query(compiled.sql, compiled.parameters as unknown[]);
  return result.rows as R[];
}

/** BEGIN … COMMIT on one client; ROLLBACK and rethrow when `fn` throws. */
export async function jobTransaction<T>(pool: pg.Pool, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    // A connection that could not even roll back is not handed to the next caller.
    client.release(broken);
  }
}
