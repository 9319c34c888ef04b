/**
 * Prints an SQLite database as SQL text (schema, then every row), the way `sqlite3 db .dump`
 * does; the sqlite3 shell is not a dependency. Used to keep a data directory made by an earlier
 * release as a reviewable fixture (test/fixtures/upgrade/README.md).
 *
 *   npx tsx scripts/sqlite-dump.ts path/to/tern.db > fixture.sql
 */
import Database from "better-sqlite3";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: tsx scripts/sqlite-dump.ts <database file>\n");
  process.exit(2);
}
const db = new Database(file, { readonly: true });
const quote = (value: unknown): string => {
  if (value === null) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (Buffer.isBuffer(value)) return `X'${value.toString("hex")}'`;
  return `'${String(value).replaceAll("'", "''")}'`;
};
const out: string[] = ["BEGIN;"];
const objects = db
  .prepare(
    "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type = 'table' DESC, rowid",
  )
  .all() as Array<{ type: string; name: string; sql: string }>;
for (const o of objects) if (!o.name.startsWith("sqlite_")) out.push(`${o.sql};`);
for (const { name } of objects.filter((o) => o.type === "table")) {
  db.defaultSafeIntegers(true);
  for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>) {
    out.push(`INSERT INTO "${name}" VALUES(${Object.values(row).map(quote).join(",")});`);
  }
}
out.push("COMMIT;");
process.stdout.write(`${out.join("\n")}\n`);
