import { type RawBuilder, sql } from "kysely";
import type { Dialect } from "../db.js";

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
    return sql<string>`(${sql.ref(column)}::jsonb || ${JSON.stringify(fields)}::jsonb)::text`;
  }
  const pairs = Object.entries(fields).map(
    ([key, value]) => sql`${`$.${key}`}, json(${JSON.stringify(value ?? null)})`,
  );
  return sql<string>`json_set(${sql.ref(column)}, ${sql.join(pairs)})`;
}
