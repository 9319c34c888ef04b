import { type RawBuilder, sql } from "kysely";
import type { Dialect } from "../db.js";

/**
 * Half of a surrogate pair as a JSON escape (`\ud800` not followed by a low one, or `\udc00` not
 * after a high one): JSON.stringify writes a lone surrogate so, and jsonb refuses it.
 */
const LONE_SURROGATE = String.raw`\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}`;

/** JSON text with U+FFFD for each lone surrogate escape, which jsonb accepts. */
export const withoutLoneSurrogates = (json: string): string =>
  json.includes("\\ud") ? json.replace(new RegExp(LONE_SURROGATE, "g"), "\\ufffd") : json;

/**
 * A JSON text column as jsonb (PostgreSQL). jsonb refuses the escape \u0000 that text and json
 * keep (a NUL a customer sent, saved in a run's vars), and half of a surrogate pair (`\ud800`):
 * read with U+FFFD in their place, as text columns store them, instead of failing the statement:
 * one such run made the runs list by step, and ending runs, answer 500 (an outside audit; the
 * surrogate found while extending the admin fuzz). Only text holding `\ud` (no pair is escaped) pays for the regex.
 */
export function jsonbOf(column: string): RawBuilder<unknown> {
  const text = sql`replace(${sql.ref(column)}, '\\u0000', '\\ufffd')`;
  return sql`(case when strpos(${sql.ref(column)}, '\\ud') > 0 then regexp_replace(${text}, ${sql.lit(LONE_SURROGATE)}, '\\\\ufffd', 'g') else ${text} end)::jsonb`;
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
    return sql<string>`(${jsonbOf(column)} || ${withoutLoneSurrogates(JSON.stringify(fields))}::jsonb)::text`;
  }
  const pairs = Object.entries(fields).map(
    ([key, value]) => sql`${`$.${key}`}, json(${JSON.stringify(value ?? null)})`,
  );
  return sql<string>`json_set(${sql.ref(column)}, ${sql.join(pairs)})`;
}
