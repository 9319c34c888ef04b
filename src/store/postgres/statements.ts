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
 */
export function createStatementCache(): {
  get(key: string, build: (p: Param) => Compilable<unknown>): PreparedText;
} {
  const byKey = new Map<string, PreparedText>();
  return {
    get(key, build) {
      let prepared = byKey.get(key);
      if (!prepared) {
        const { sql, bind } = compileStatement(build);
        const name = `tern_${createHash("sha1").update(sql).digest("hex").slice(0, 24)}`;
        prepared = { name, text: sql, bind };
        byKey.set(key, prepared);
      }
      return prepared;
    },
  };
}
