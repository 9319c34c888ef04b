import BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, testPool } from "../../../test/helpers/postgres.js";
import { migrations } from "../migrations.js";
import { SchemaTooNewError } from "../schema-version.js";
import { migratePostgres } from "./migrate.js";
import { openPostgres } from "./open.js";

const ALL = migrations.map((m) => m.version);
/** The newest migration this Tern knows; a "newer Tern" database is past it. */
const LATEST = Math.max(...ALL);
const FUTURE = LATEST + 3;

describe("migratePostgres", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const emptyDatabase = async () => {
    const d = await createTestDatabase({ empty: true });
    cleanup.push(() => d.drop());
    return d.url;
  };
  const poolOn = (url: string) => {
    const pool = testPool(url, 2);
    cleanup.push(() => pool.end());
    return pool;
  };
  const applied = async (pool: pg.Pool) =>
    (
      await pool.query<{ version: number; name: string }>(
        "SELECT version, name FROM schema_migrations ORDER BY version",
      )
    ).rows;
  const tableExists = async (pool: pg.Pool, table: string) =>
    (await pool.query("SELECT to_regclass($1) AS t", [table])).rows[0].t !== null;

  it("applies every migration once, in order; running it again changes nothing", async () => {
    const pool = poolOn(await emptyDatabase());
    expect(await migratePostgres(pool)).toEqual(ALL);
    expect(await migratePostgres(pool)).toEqual([]);
    expect(await applied(pool)).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
  });

  it("is safe when several processes migrate the same database at once", async () => {
    const url = await emptyDatabase();
    const pools = Array.from({ length: 4 }, () => poolOn(url));
    const results = await Promise.all(pools.map((pool) => migratePostgres(pool)));
    // Exactly one of them applied each migration; the others found it done.
    expect(results.flat().sort((a, b) => a - b)).toEqual(ALL);
    expect(await applied(pools[0]!)).toHaveLength(ALL.length);
  });

  it("brings an older database up to date from where it is", async () => {
    const pool = poolOn(await emptyDatabase());
    expect(await migratePostgres(pool, migrations.slice(0, 3))).toEqual([1, 2, 3]);
    expect(await tableExists(pool, "job_workers")).toBe(false);
    expect(await migratePostgres(pool)).toEqual(ALL.slice(3));
    expect(await tableExists(pool, "job_workers")).toBe(true);
  });

  it("removes identities whose person was erased while they were added (migration 15), and keeps the others", async () => {
    const pool = poolOn(await emptyDatabase());
    await migratePostgres(
      pool,
      migrations.filter((m) => m.version < 15),
    );
    const now = Date.now();
    await pool.query(
      "INSERT INTO contacts (id, phone, name, created_at, updated_at) VALUES ('ct_kept', '+1555', 'Ada', $1, $1)",
      [now],
    );
    await pool.query(
      `INSERT INTO contact_identities (id, contact_id, channel_id, address, created_at, last_inbound_at)
       VALUES ('ci_kept', 'ct_kept', 'ch_a', '1555', $1, $1), ('ci_orphan', 'ct_erased', 'ch_b', '1555', $1, $1)`,
      [now],
    );
    expect(await migratePostgres(pool)).toEqual(ALL.filter((v) => v >= 15));
    const left = await pool.query("SELECT id FROM contact_identities ORDER BY id");
    expect(left.rows).toEqual([{ id: "ci_kept" }]);
  });

  it("refuses a database migrated by a newer Tern, and changes nothing in it", async () => {
    const url = await emptyDatabase();
    const pool = poolOn(url);
    await migratePostgres(pool, migrations.slice(0, 4));
    await pool.query(
      `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${FUTURE}, 'from the future', 1)`,
    );
    const before = await applied(pool);

    const refused = migratePostgres(pool);
    await expect(refused).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(refused).rejects.toMatchObject({
      code: "SCHEMA_TOO_NEW",
      message: expect.stringMatching(
        `^database schema is at version ${FUTURE}, this Tern knows up to ${LATEST}: upgrade Tern, or point it at another database \\(to go back`,
      ),
    });
    // Migration 5 (pending here) was not applied either.
    expect(await tableExists(pool, "job_workers")).toBe(false);
    expect(await applied(pool)).toEqual(before);
    // Opening the store refuses the same way.
    await expect(openPostgres({ url })).rejects.toMatchObject({ code: "SCHEMA_TOO_NEW" });
  });

  it("rolls a failing migration back whole, keeps the ones before it, and says which one failed", async () => {
    const pool = poolOn(await emptyDatabase());
    const broken = {
      version: LATEST + 1,
      name: "broken",
      sql: "",
      postgres: "CREATE TABLE half_done (x INTEGER); SELECT no_such_function();",
    };
    await expect(migratePostgres(pool, [...migrations, broken])).rejects.toThrow(
      new RegExp(`migration ${LATEST + 1} \\(broken\\) failed`),
    );
    expect((await applied(pool)).map((r) => r.version)).toEqual(ALL);
    expect(await tableExists(pool, "half_done")).toBe(false);
  });

  it("builds the same tables, columns, keys and indexes as the SQLite migrations", async () => {
    const pool = poolOn(await emptyDatabase());
    await migratePostgres(pool);
    const pgSchema = await postgresSchema(pool);
    const sqliteSchema = sqliteSchemaOf(migrations.map((m) => m.sql));
    expect(pgSchema.tables).toEqual(sqliteSchema.tables);
    expect(pgSchema.indexes).toEqual(sqliteSchema.indexes);
    // Times (ms since epoch) need 64 bits; so do the identity ids.
    for (const c of pgSchema.columns.filter((c) => c.name.endsWith("_at") || c.identity)) {
      expect(`${c.table}.${c.name}: ${c.type}`).toBe(`${c.table}.${c.name}: bigint`);
    }
    expect(pgSchema.columns.filter((c) => c.identity).map((c) => `${c.table}.${c.name}`)).toEqual([
      "inbox.id",
      "rejected_events.id",
    ]);
  });
});

interface Schema {
  /** table → its columns as "name NOT NULL?" */
  tables: Record<string, string[]>;
  /** "table(columns) unique? partial? primary?" for every index and key, sorted. */
  indexes: string[];
}

async function postgresSchema(
  pool: pg.Pool,
): Promise<Schema & { columns: Array<{ table: string; name: string; type: string; identity: boolean }> }> {
  const { rows: columns } = await pool.query<{
    table: string;
    name: string;
    type: string;
    nullable: string;
    identity: string;
  }>(
    `SELECT table_name AS table, column_name AS name, data_type AS type, is_nullable AS nullable, is_identity AS identity
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const { rows: indexes } = await pool.query<{
    table: string;
    columns: string[];
    unique: boolean;
    primary: boolean;
    partial: boolean;
  }>(
    `SELECT t.relname AS table, ix.indisunique AS unique, ix.indisprimary AS primary, ix.indpred IS NOT NULL AS partial,
            ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
       FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public'`,
  );
  const tables: Record<string, string[]> = {};
  for (const c of columns) {
    const list = tables[c.table] ?? [];
    list.push(`${c.name}${c.nullable === "NO" ? " NOT NULL" : ""}`);
    tables[c.table] = list;
  }
  return {
    tables,
    indexes: indexes.map((i) => describeIndex(i.table, i.columns, i.unique, i.partial, i.primary)).sort(),
    columns: columns.map((c) => ({
      table: c.table,
      name: c.name,
      type: c.type,
      identity: c.identity === "YES",
    })),
  };
}

function sqliteSchemaOf(scripts: string[]): Schema {
  const db = new BetterSqlite3(":memory:");
  try {
    db.exec(
      `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
    );
    for (const script of scripts) db.exec(script);
    const names = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as Array<{
        name: string;
      }>
    ).map((r) => r.name);
    const tables: Record<string, string[]> = {};
    const indexes: string[] = [];
    for (const table of names) {
      const cols = db.pragma(`table_info(${table})`) as Array<{ name: string; notnull: number; pk: number }>;
      // A primary key column is NOT NULL on PostgreSQL (and in effect on SQLite).
      tables[table] = cols.map((c) => `${c.name}${c.notnull || c.pk ? " NOT NULL" : ""}`);
      const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
      if (pk.length > 0)
        indexes.push(
          describeIndex(
            table,
            pk.map((c) => c.name),
            true,
            false,
            true,
          ),
        );
      const list = db.pragma(`index_list(${table})`) as Array<{
        name: string;
        unique: number;
        origin: string;
        partial: number;
      }>;
      for (const index of list.filter((i) => i.origin !== "pk")) {
        const info = db.pragma(`index_info(${index.name})`) as Array<{ seqno: number; name: string }>;
        const columns = info.sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
        indexes.push(describeIndex(table, columns, index.unique === 1, index.partial === 1, false));
      }
    }
    return {
      tables: Object.fromEntries(Object.entries(tables).sort(([a], [b]) => a.localeCompare(b))),
      indexes: indexes.sort(),
    };
  } finally {
    db.close();
  }
}

function describeIndex(
  table: string,
  columns: string[],
  unique: boolean,
  partial: boolean,
  primary: boolean,
): string {
  return `${table}(${columns.join(",")})${primary ? " primary" : unique ? " unique" : ""}${partial ? " partial" : ""}`;
}
