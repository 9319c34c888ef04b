import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";

/**
 * Preloaded into Tern's processes by `pg-queries.ts` (`--import`): counts every query sent through
 * `pg.Client` (or run by a better-sqlite3 statement) and the transactions among them, by statement,
 * and the process's CPU time, and writes the counts to `$TERN_QUERY_COUNT_DIR/<pid>.json` every
 * 200 ms. Measurement only; never loaded by Tern itself.
 */
const dir = process.env.TERN_QUERY_COUNT_DIR;
if (dir) {
  const pg = createRequire(import.meta.url)("pg") as {
    Client: { prototype: { query: (...args: unknown[]) => unknown } };
  };
  const counts = new Map<string, number>();
  let queries = 0;
  let transactions = 0;
  const count = (sqlText: string, mark: string) => {
    const text = sqlText.replace(/\s+/g, " ").trim();
    queries++;
    if (/^begin/i.test(text)) transactions++;
    const key = `${mark}${text}`.slice(0, 90);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; name?: string } | undefined;
    // Named statements are parsed and planned once per connection; the others on every call.
    count(
      typeof first === "string" ? first : (first?.text ?? "?"),
      typeof first === "object" && first?.name ? "[named] " : "",
    );
    return original.apply(this, args);
  };
  // better-sqlite3: statements are native objects; their prototype is reached through one.
  type Run = (...args: unknown[]) => unknown;
  const Sqlite = createRequire(import.meta.url)("better-sqlite3") as new (
    file: string,
  ) => {
    prepare(sql: string): object;
    close(): void;
  };
  const probe = new Sqlite(":memory:");
  const statement = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, Run> & {
    source?: string;
  };
  probe.close();
  for (const method of ["run", "get", "all", "iterate"]) {
    const run = statement[method] as Run;
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      count(this.source, "");
      return run.apply(this, args);
    };
  }
  const cpuMicros = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const write = () => {
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40);
    writeFileSync(
      `${dir}/${process.pid}.json`,
      JSON.stringify({ argv: process.argv.slice(2), queries, transactions, top, cpuUs: cpuMicros() }),
    );
  };
  setInterval(write, 200).unref();
}
