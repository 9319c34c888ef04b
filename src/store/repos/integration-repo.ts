import { createHash } from "node:crypto";
import type { SecretBox } from "../../core/secrets.js";
import type { IntegrationTable, Owner } from "../database.js";
import type { Executor } from "../db.js";
import { noticeIntegrationsChanged } from "./change-notice.js";
import { lockForTransaction } from "./transaction-lock.js";

/**
 * Connections and channels share one shape: a type, a name, a config whose secret fields are
 * sealed at rest. This repo splits config into public and sealed parts and joins them back.
 */
export interface IntegrationRecord {
  id: string;
  type: string;
  name: string;
  /** Full config including secrets: only for the worker, never for API responses. */
  config: Record<string, unknown>;
  /** Set at creation and never changed: the sandbox retires only what it created. */
  owner: Owner;
  createdAt: number;
  updatedAt: number;
  /** Changes with every write of the row: its ETag (`"<revision>"`), see `revisionOf`. */
  revision: string;
}

export interface PublicIntegration {
  id: string;
  type: string;
  name: string;
  /** Config without secrets; secret fields are listed as set/unset instead. */
  config: Record<string, unknown>;
  secrets: Record<string, "set">;
  owner: Owner;
  createdAt: number;
  updatedAt: number;
  revision: string;
}

type Table = "connections" | "channels";

/**
 * A digest of the stored row: every write seals the secrets anew (a fresh IV), so two updates in
 * the same millisecond still differ, and the digest of ciphertext says nothing about the secrets.
 * No column: the row itself is its version.
 */
function revisionOf(
  row: Pick<IntegrationTable, "type" | "name" | "config_json" | "secrets_sealed" | "updated_at">,
) {
  const stored = [row.type, row.name, row.config_json, row.secrets_sealed, Number(row.updated_at)];
  return createHash("sha256").update(JSON.stringify(stored)).digest("base64url").slice(0, 22);
}

export function createIntegrationRepo(exec: Executor, box: SecretBox, table: Table) {
  const { q } = exec;

  const toRecord = (row: IntegrationTable): IntegrationRecord => ({
    id: row.id,
    type: row.type,
    name: row.name,
    config: { ...JSON.parse(row.config_json), ...JSON.parse(box.open(row.secrets_sealed)) },
    owner: row.owner,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revision: revisionOf(row),
  });

  const split = (config: Record<string, unknown>, secretFields: ReadonlyArray<string>) => {
    const open: Record<string, unknown> = {};
    const secret: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) (secretFields.includes(k) ? secret : open)[k] = v;
    return { open, secret };
  };

  return {
    async get(id: string): Promise<IntegrationRecord | undefined> {
      const row = await exec.get(q.selectFrom(table).selectAll().where("id", "=", id));
      return row ? toRecord(row) : undefined;
    },
    async getByName(name: string): Promise<IntegrationRecord | undefined> {
      const row = await exec.get(q.selectFrom(table).selectAll().where("name", "=", name));
      return row ? toRecord(row) : undefined;
    },
    /**
     * The name of the oldest row whose secrets this key does not open, if that row's do not: a
     * process started with the wrong key (or a lost key file) must refuse to start, not answer
     * 500 for every channel. One row tells: every row is sealed with the same key.
     */
    async oldestUnopenable(): Promise<string | null> {
      const row = await exec.get(
        q.selectFrom(table).select(["name", "secrets_sealed"]).orderBy("created_at").limit(1),
      );
      if (!row) return null;
      try {
        box.open(row.secrets_sealed);
        return null;
      } catch {
        return row.name;
      }
    },
    async list(): Promise<IntegrationRecord[]> {
      return (await exec.all(q.selectFrom(table).selectAll().orderBy("created_at"))).map(toRecord);
    },
    /**
     * Changes to the table at a glance (row count, latest and sum of update times): other processes
     * compare it to see a change made elsewhere (services/integrations.ts). No decryption.
     */
    async fingerprint(): Promise<string> {
      const row = await exec.get(
        q
          .selectFrom(table)
          .select((eb) => [
            eb.fn.countAll<number | string>().as("n"),
            eb.fn.max<number | string | null>("updated_at").as("latest"),
            eb.fn.sum<number | string | null>("updated_at").as("total"),
          ]),
      );
      return `${row?.n ?? 0}:${row?.latest ?? 0}:${row?.total ?? 0}`;
    },
    /** Every row's id and name (no decryption). */
    async names(): Promise<Array<{ id: string; name: string }>> {
      return exec.all(q.selectFrom(table).select(["id", "name"]));
    },
    /** Ids of the rows this owner created (no decryption). */
    async idsOwnedBy(owner: Owner): Promise<string[]> {
      return (await exec.all(q.selectFrom(table).select("id").where("owner", "=", owner))).map((r) => r.id);
    },
    toPublic(record: IntegrationRecord, secretFields: ReadonlyArray<string>): PublicIntegration {
      const { open, secret } = split(record.config, secretFields);
      const secrets: Record<string, "set"> = {};
      for (const [k, v] of Object.entries(secret)) if (v !== undefined && v !== "") secrets[k] = "set";
      return { ...record, config: open, secrets };
    },
    /**
     * Inside a `store.write`, before reading what the write depends on: PostgreSQL runs admin
     * changes in concurrent READ COMMITTED transactions, so two creates each found the name free
     * (both stored, or a 500 on the connections' unique name) and two PATCHes each merged over the
     * config read before the other's commit (one answered 200 and was lost). A transaction-scoped
     * advisory lock per table makes the second wait for the first's commit. SQLite runs one write
     * callback at a time (write-batcher.ts): nothing to do there.
     */
    lockChanges: (): Promise<void> => lockForTransaction(exec, `tern.${table}.changes`),
    /** Inside a `store.write` callback; answers the stored row's revision. */
    async insert(
      record: Omit<IntegrationRecord, "revision">,
      secretFields: ReadonlyArray<string>,
    ): Promise<string> {
      const { open, secret } = split(record.config, secretFields);
      const row = {
        id: record.id,
        type: record.type,
        name: record.name,
        config_json: JSON.stringify(open),
        secrets_sealed: box.seal(JSON.stringify(secret)),
        owner: record.owner,
        created_at: record.createdAt,
        updated_at: record.updatedAt,
      };
      await exec.run(q.insertInto(table).values(row));
      await noticeIntegrationsChanged(exec);
      return revisionOf(row);
    },
    /** Inside a `store.write` callback; answers the stored row's revision. */
    async update(record: IntegrationRecord, secretFields: ReadonlyArray<string>): Promise<string> {
      const { open, secret } = split(record.config, secretFields);
      const row = {
        type: record.type,
        name: record.name,
        config_json: JSON.stringify(open),
        secrets_sealed: box.seal(JSON.stringify(secret)),
        updated_at: record.updatedAt,
      };
      const { type: _type, ...changed } = row;
      await exec.run(q.updateTable(table).set(changed).where("id", "=", record.id));
      await noticeIntegrationsChanged(exec);
      return revisionOf(row);
    },
    /** Inside a `store.write` callback. */
    async remove(id: string): Promise<boolean> {
      const isRemoved = (await exec.run(q.deleteFrom(table).where("id", "=", id))).changes > 0;
      if (isRemoved) await noticeIntegrationsChanged(exec);
      return isRemoved;
    },
  };
}
export type IntegrationRepo = ReturnType<typeof createIntegrationRepo>;
