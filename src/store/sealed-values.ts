import type BetterSqlite3 from "better-sqlite3";
import type { SecretBox } from "../core/secrets.js";

/**
 * Every value sealed with the secret key, wherever it lives. Add a row here when a migration
 * adds a `*_sealed` column: `tern keys rotate` re-seals exactly what this lists.
 */
const SEALED_COLUMNS = [
  { table: "connections", key: "id", label: "name", column: "secrets_sealed", kind: "connection" },
  { table: "channels", key: "id", label: "name", column: "secrets_sealed", kind: "channel" },
  {
    table: "connection_tokens",
    key: "connection_id",
    label: "connection_id",
    column: "token_sealed",
    kind: "token",
  },
  // PKCE verifiers of pending OAuth connects (short-lived); counted with the tokens.
  {
    table: "oauth_states",
    key: "state_hash",
    label: "connection_id",
    column: "verifier_sealed",
    kind: "token",
  },
] as const;

export type SealedKind = (typeof SEALED_COLUMNS)[number]["kind"];

export interface SealedValue {
  kind: SealedKind;
  /** What a person recognises: the connection or channel name, the token's connection id. */
  label: string;
  sealed: string;
  /** Writes a new sealed value back to its row (inside the caller's transaction). */
  replace(sealed: string): void;
}

export function readSealedValues(db: BetterSqlite3.Database): SealedValue[] {
  const values: SealedValue[] = [];
  for (const c of SEALED_COLUMNS) {
    const rows = db
      .prepare(`SELECT ${c.key} AS rowKey, ${c.label} AS label, ${c.column} AS sealed FROM ${c.table}`)
      .all() as Array<{ rowKey: string; label: string; sealed: string }>;
    const update = db.prepare(`UPDATE ${c.table} SET ${c.column} = ? WHERE ${c.key} = ?`);
    for (const row of rows) {
      values.push({
        kind: c.kind,
        label: row.label,
        sealed: row.sealed,
        replace: (sealed) => {
          update.run(sealed, row.rowKey);
        },
      });
    }
  }
  return values;
}

/** The first value `box` cannot open, or null when it opens them all. */
export function firstUnopenable(values: SealedValue[], box: SecretBox): SealedValue | null {
  for (const value of values) {
    try {
      box.open(value.sealed);
    } catch {
      return value;
    }
  }
  return null;
}

export function countByKind(values: SealedValue[]): Record<SealedKind, number> {
  const counts: Record<SealedKind, number> = { connection: 0, channel: 0, token: 0 };
  for (const value of values) counts[value.kind] += 1;
  return counts;
}
