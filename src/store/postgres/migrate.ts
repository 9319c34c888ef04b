import type { Pool } from "pg";
import { migrations as allMigrations, type Migration } from "../migrations.js";
import { checkSchemaVersion } from "../schema-version.js";

/**
 * Key of the session advisory lock that serializes migrators: every Tern process migrates on
 * start, and several starting together must not apply the same migration twice. (Two int4 keys:
 * a namespace, "tern" in ASCII, and the lock's purpose.)
 */
export const MIGRATION_LOCK = [0x7465726e, 1] as const;

/**
 * Applies the pending migrations in order, each in its own transaction, holding the advisory lock
 * from the first read of `schema_migrations` to the last commit. A database migrated by a newer
 * Tern is refused before anything is applied. Returns the versions it applied.
 */
export async function migratePostgres(
  pool: Pool,
  migrations: readonly Migration[] = allMigrations,
): Promise<number[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken ??= err;
  };
  client.on("error", onError);
  try {
    // Session-level: held across the per-migration transactions, released by the server if this
    // connection dies.
    await client.query("SELECT pg_advisory_lock($1, $2)", [...MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
      const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
      const applied = rows.map((r) => r.version);
      checkSchemaVersion(
        applied,
        migrations.map((m) => m.version),
      );
      const done: number[] = [];
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.includes(m.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.postgres);
          await client.query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            [m.version, m.name, Date.now()],
          );
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch((rollbackErr: Error) => {
            broken ??= rollbackErr;
          });
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, {
            cause: err,
          });
        }
        done.push(m.version);
      }
      return done;
    } finally {
      // A session that may still hold the lock must not go back to the pool.
      await client.query("SELECT pg_advisory_unlock($1, $2)", [...MIGRATION_LOCK]).catch((err: Error) => {
        broken ??= err;
      });
    }
  } finally {
    client.removeListener("error", onError);
    client.release(broken);
  }
}
