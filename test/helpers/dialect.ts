import { randomBytes } from "node:crypto";
import path from "node:path";
import { createTestDatabase } from "./postgres.js";

/**
 * Which database the suite runs Tern on: vitest's "postgres" project sets TERN_TEST_DIALECT so
 * the same end-to-end tests run against both (vitest.config.ts).
 */
export const testDialect: "sqlite" | "postgres" =
  process.env.TERN_TEST_DIALECT === "postgres" ? "postgres" : "sqlite";

/** Where a Tern under test keeps its data, for tests that look at it from outside (db-inspect.ts). */
export type DatabaseLocation = { dialect: "sqlite"; path: string } | { dialect: "postgres"; url: string };

export interface TestDatabaseEnv {
  /** Environment for a Tern on this test's own database (empty on SQLite: the data dir holds it). */
  env: Record<string, string>;
  /** The database that `env` points at; on SQLite, the file inside `dataDir`. */
  location(dataDir: string): DatabaseLocation;
  drop(): Promise<void>;
}

/**
 * A fresh database for one Tern under test. PostgreSQL: its own database (from the migrated
 * template), with the secret key and admin token that DATABASE_URL requires: `secrets` when the
 * test spawns Tern with its own (`processSecrets()`), else fresh ones.
 */
export async function testDatabaseEnv(secrets?: {
  secretKey: string;
  adminToken: string;
}): Promise<TestDatabaseEnv> {
  if (testDialect === "sqlite") {
    return {
      env: {},
      location: (dataDir) => ({ dialect: "sqlite", path: path.join(dataDir, "tern.db") }),
      drop: async () => {},
    };
  }
  const db = await createTestDatabase();
  return {
    env: {
      DATABASE_URL: db.url,
      TERN_SECRET_KEY: secrets?.secretKey ?? randomBytes(32).toString("hex"),
      TERN_ADMIN_TOKEN: secrets?.adminToken ?? `test_${randomBytes(16).toString("hex")}`,
    },
    location: () => ({ dialect: "postgres", url: db.url }),
    drop: () => db.drop(),
  };
}
