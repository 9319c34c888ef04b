import { type RawBuilder, sql } from "kysely";
import type { Dialect } from "../db.js";

/**
 * A JSON text column as jsonb (PostgreSQL). jsonb refuses the escape \u0000 that text and json
 * keep (a NUL a customer sent, saved in a run's vars): read with U+FFFD in its place, as text
 * columns store a NUL, instead of failing the statement: one such run made the runs list by
 * step, and ending runs, answer 500 (an outside audit).
 */
export function jsonbOf(column: string): RawBuilder<unknown> {
  return sql`replace(${sql.ref(column)}, '\\u0000', '\\ufffd')::jsonb`;
}

/**
 * An expression that sets top-level fields of a JSON text column (`state_json`) in the UPDATE
 * itself, so a compare-and-set on the row stays one statement on both dialects (no
 * read-modify-write that a concurrent writer on PostgreSQL could slip between).
 */
export function setJsonFields(
  dialect: Dialect,
  column: string,
  fields: Record<string, unknown>,
): RawBuilder<string> {
  if (dialect === "postgres") {
    return sql<string>`(${jsonbOf(column)} || ${JSON.stringify(fields)}::jsonb)::text`;
  }
  const pairs = Object.entries(fields).map(
    ([key, value]) => sql`${`$.${key}`}, json(${JSON.stringify(value ?? null)})`,
  );
  return sql<string>`json_set(${sql.ref(column)}, ${sql.join(pairs)})`;
}
