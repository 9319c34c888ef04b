import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import type { DatabaseLocation } from "./dialect.js";

/**
 * Reads a Tern database from outside, on its own connection, the way an auditor would: every
 * table, every row. Tests use it to prove what is (not) stored. Read-only on both dialects.
 *
 * PostgreSQL: the tables of the `public` schema (Tern's own) and, when it exists, of
 * `graphile_worker` (job payloads may carry what a webhook said).
 */
const PG_SCHEMAS = ["public", "graphile_worker"];

export type Row = Record<string, unknown>;

/** Runs one read on a short-lived connection: tests inspect between steps, never concurrently. */
async function withPostgres<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "tern-test-inspect" });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("SET default_transaction_read_only = on");
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withSqlite<T>(file: string, fn: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Tables as `name` (SQLite, PostgreSQL public) or `schema.name` (other PostgreSQL schemas). */
async function pgTables(
  client: pg.Client,
  schemas = PG_SCHEMAS,
): Promise<Array<{ label: string; sql: string }>> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema = ANY($1) ORDER BY 1, 2`,
    [schemas],
  );
  return rows.map((r) => ({
    label: r.schema === "public" ? r.name : `${r.schema}.${r.name}`,
    sql: `${quoted(r.schema)}.${quoted(r.name)}`,
  }));
}

const sqliteTables = (db: BetterSqlite3.Database) =>
  (
    db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as Array<{ name: string }>
  ).map((t) => t.name);

/** Every row of every table, each as the JSON text of all its columns. */
export async function allRowsAsText(at: DatabaseLocation): Promise<Array<{ table: string; row: string }>> {
  if (at.dialect === "sqlite") {
    return withSqlite(at.path, (db) =>
      sqliteTables(db).flatMap((name) =>
        (db.prepare(`SELECT * FROM ${quoted(name)}`).all() as Row[]).map((row) => ({
          table: name,
          row: JSON.stringify(row),
        })),
      ),
    );
  }
  return withPostgres(at.url, async (client) => {
    const out: Array<{ table: string; row: string }> = [];
    for (const table of await pgTables(client)) {
      // row_to_json: every column, text and JSON alike, as one text to search.
      const { rows } = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${table.sql} t`,
      );
      out.push(...rows.map((r) => ({ table: table.label, row: r.row })));
    }
    return out;
  });
}

/** Every row of every table whose text contains one of the needles. */
export async function rowsMentioning(
  at: DatabaseLocation,
  needles: string[],
): Promise<Array<{ table: string; row: string }>> {
  return (await allRowsAsText(at)).filter(({ row }) => needles.some((n) => row.includes(n)));
}

/** Rows in each of Tern's own tables (not the job engine's, whose rows come and go on their own). */
export async function rowCounts(at: DatabaseLocation): Promise<Record<string, number>> {
  if (at.dialect === "sqlite") {
    return withSqlite(at.path, (db) =>
      Object.fromEntries(
        sqliteTables(db).map((name) => [
          name,
          (db.prepare(`SELECT count(*) AS n FROM ${quoted(name)}`).get() as { n: number }).n,
        ]),
      ),
    );
  }
  return withPostgres(at.url, async (client) => {
    const counts: Record<string, number> = {};
    for (const table of await pgTables(client, ["public"])) {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table.sql}`);
      counts[table.label] = rows[0]!.n;
    }
    return counts;
  });
}

/**
 * Runs one read-only query written in the SQL both dialects share (no parameters: tests build
 * their literals), e.g. for a failure's diagnosis.
 */
export async function selectRows(at: DatabaseLocation, sqlText: string): Promise<Row[]> {
  if (at.dialect === "sqlite") return withSqlite(at.path, (db) => db.prepare(sqlText).all() as Row[]);
  return withPostgres(at.url, async (client) => (await client.query<Row>(sqlText)).rows);
}

/** A connection kept open for counting rows again and again (fuzz properties count per run). */
export interface RowCounter {
  count(tables: readonly string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function openRowCounter(at: DatabaseLocation): Promise<RowCounter> {
  const statement = (table: string) => `SELECT count(*) AS n FROM ${quoted(table)}`;
  if (at.dialect === "sqlite") {
    const db = new BetterSqlite3(at.path, { readonly: true, fileMustExist: true });
    return {
      count: async (tables) =>
        Object.fromEntries(tables.map((t) => [t, (db.prepare(statement(t)).get() as { n: number }).n])),
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: at.url, application_name: "tern-test-inspect" });
  client.on("error", () => {});
  await client.connect();
  return {
    async count(tables) {
      const counts: Record<string, number> = {};
      for (const t of tables)
        counts[t] = Number((await client.query<{ n: string }>(statement(t))).rows[0]!.n);
      return counts;
    },
    close: () => client.end(),
  };
}
