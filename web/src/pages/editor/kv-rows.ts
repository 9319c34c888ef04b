/**
 * A string map (Salesforce `fields`, `vars`, headers) as editable rows. A row whose key is still
 * empty is kept in the rows but left out of the map; a value that is not text keeps its type
 * until that row's value is typed over.
 */
export interface Row {
  key: string;
  value: string;
  /** A value that is not text (a number, true, null) as written, until the row's value is edited. */
  raw?: unknown;
}
const entries = (value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? Object.entries(value) : [];

export const toRows = (value: unknown): Row[] =>
  entries(value).map(([key, v]) =>
    typeof v === "string" ? { key, value: v } : { key, value: JSON.stringify(v), raw: v },
  );
export const toRecord = (rows: Row[]) =>
  Object.fromEntries(rows.filter((r) => r.key !== "").map((r) => [r.key, "raw" in r ? r.raw : r.value]));
