import { createHash } from "node:crypto";
import type { Args, Compilable, Param } from "../db.js";
import { compileStatement } from "../db.js";

/** A `statement()` compiled once: its SQL, the pg statement name, and its argument binder. */
export interface PreparedText {
  name: string;
  text: string;
  bind(args?: Args): unknown[];
}

/**
 * Compiles each `statement()` key once per `Db`. The pg name is derived from the SQL text, so it
 * is the same in every process and two keys with the same SQL share one server-side statement;
 * pg parses a named statement once per connection and then only binds and executes it.
 *
 * `invalidate(name)`: a table changed shape under a parsed statement (another Tern migrated the
 * database while this one runs), and PostgreSQL refuses to run that statement again on every
 * connection that parsed it. The names then take a new suffix, so each connection parses every
 * statement anew under its new name (the old ones stay unused until the connection closes).
 */
export function createStatementCache(): {
  get(key: string, build: (p: Param) => Compilable<unknown>): PreparedText;
  invalidate(name: string): void;
} {
  const byKey = new Map<string, PreparedText>();
  let generation = 0;
  return {
    get(key, build) {
      let prepared = byKey.get(key);
      if (!prepared) {
        const { sql, bind } = compileStatement(build);
        const hash = createHash("sha1").update(sql).digest("hex").slice(0, 24);
        const name = generation === 0 ? `tern_${hash}` : `tern_${hash}_${generation}`;
        prepared = { name, text: sql, bind };
        byKey.set(key, prepared);
      }
      return prepared;
    },
    invalidate(name) {
      // Only a name of the current generation: the queries that failed together renew it once.
      if (![...byKey.values()].some((p) => p.name === name)) return;
      generation++;
      byKey.clear();
    },
  };
}
