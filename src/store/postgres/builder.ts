import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import type { Database } from "../database.js";

/**
 * Kysely for PostgreSQL, used only to build and compile queries: the DummyDriver never runs
 * anything; `Db` runs the compiled SQL on its own pool (so it controls transactions, named
 * statements and type parsing).
 */
export function createPostgresBuilder(): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}
