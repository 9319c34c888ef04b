import { randomBytes } from "node:crypto";
import { createTestDatabase } from "./postgres.js";

/**
 * Which database the suite runs Tern on: vitest's "postgres" project sets TERN_TEST_DIALECT so
 * the same end-to-end tests run against both (vitest.config.ts).
 */
export const testDialect: "sqlite" | "postgres" =
  process.env.TERN_TEST_DIALECT === "postgres" ? "postgres" : "sqlite";

export interface TestDatabaseEnv {
  /** Environment for a Tern on this test's own database (empty on SQLite: the data dir holds it). */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A fresh database for one Tern under test. PostgreSQL: its own database (from the migrated
 * template), with the shared secret key and admin token that DATABASE_URL requires.
 */
export async function testDatabaseEnv(): Promise<TestDatabaseEnv> {
  if (testDialect === "sqlite") return { env: {}, drop: async () => {} };
  const db = await createTestDatabase();
  return {
    env: {
      DATABASE_URL: db.url,
      TERN_SECRET_KEY: randomBytes(32).toString("hex"),
      TERN_ADMIN_TOKEN: `test_${randomBytes(16).toString("hex")}`,
    },
    drop: () => db.drop(),
  };
}
