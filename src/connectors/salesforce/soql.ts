import type { DescribeField, DescribeResult } from "./client.js";

/**
 * Building SOQL safely. String literals are escaped per the SOQL reference ("Quoted String Escape
 * Sequences": \n \r \t \b \f \" \' \\ —
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm);
 * names are validated by `assertApiName` before they get here.
 */
const ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => ESCAPES[c] ?? c)}'`;
}

/** SOQL datetime literal, unquoted, UTC, whole seconds: `2026-01-01T00:00:00Z`. */
export function soqlDatetime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Describe types whose SOQL literal is a quoted string. */
export const TEXT_TYPES: ReadonlySet<string> = new Set([
  "string",
  "email",
  "phone",
  "url",
  "picklist",
  "combobox",
  "textarea",
  "id",
  "reference",
]);
/** Describe types whose SOQL literal is a bare number. */
export const NUMBER_TYPES: ReadonlySet<string> = new Set(["int", "double", "currency", "percent", "long"]);
/** Used when describe failed: fields that are long text areas on standard objects. */
const LONG_TEXT_NAMES = new Set(["description", "comments", "body"]);
const MAX_FILTER_TEXT = 255;

/** The SOQL literal that matches a value as Salesforce stored it, or null when it can't be filtered on. */
export function filterLiteral(def: DescribeField | undefined, name: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  // The REST API trims text and stores "" as null.
  const text = typeof value === "string" ? value.trim() : null;
  if (text === "") return null;
  if (!def) {
    if (LONG_TEXT_NAMES.has(name.toLowerCase())) return null;
    if (typeof value === "boolean") return String(value);
    if (text === null || text.length > MAX_FILTER_TEXT || /[\r\n]/.test(text)) return null;
    return soqlString(text);
  }
  if (!def.filterable) return null;
  if (TEXT_TYPES.has(def.type)) {
    if (text === null && typeof value !== "number" && typeof value !== "boolean") return null;
    const stored = text ?? String(value);
    return stored.length > MAX_FILTER_TEXT ? null : soqlString(stored);
  }
  if (def.type === "boolean") return typeof value === "boolean" ? String(value) : null;
  if (NUMBER_TYPES.has(def.type)) {
    const n = typeof value === "number" ? value : Number(text);
    return Number.isFinite(n) ? String(n) : null;
  }
  if (def.type === "date" && text !== null && /^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  return null;
}

/**
 * Finds a record created by an earlier attempt: every filterable value that was sent, created no
 * earlier than `since`, newest first. Returns null when no field can identify the record.
 */
export function reconcileQuery(
  object: string,
  fields: Record<string, unknown>,
  describe: DescribeResult | null,
  since: number,
): string | null {
  const conditions: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const def = describe?.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (describe && !def) continue;
    const literal = filterLiteral(def, name, value);
    if (literal !== null) conditions.push(`${def?.name ?? name} = ${literal}`);
  }
  if (conditions.length === 0) return null;
  conditions.push(`CreatedDate >= ${soqlDatetime(since)}`);
  return `SELECT Id FROM ${object} WHERE ${conditions.join(" AND ")} ORDER BY CreatedDate DESC LIMIT 1`;
}
