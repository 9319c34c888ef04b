import type { Database, Owner } from "../database.js";
import type { SqliteStore } from "../sqlite.js";

/** Flows and their immutable versions. A run keeps the version it started on. */
export interface FlowSummary {
  id: string;
  name: string;
  latestVersion: number;
  publishedVersion: number | null;
  owner: Owner;
  createdAt: number;
  updatedAt: number;
}

export interface FlowVersionRow {
  flowId: string;
  version: number;
  definition: unknown;
  createdAt: number;
  publishedAt: number | null;
}

export function createFlowRepo(store: SqliteStore) {
  const { q } = store;
  const toSummary = (r: Database["flows"]): FlowSummary => ({
    id: r.id,
    name: r.name,
    latestVersion: r.latest_version,
    publishedVersion: r.published_version,
    owner: r.owner,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  return {
    get(id: string): FlowSummary | undefined {
      const r = store.get(q.selectFrom("flows").selectAll().where("id", "=", id));
      return r ? toSummary(r) : undefined;
    },
    list(): FlowSummary[] {
      return store.all(q.selectFrom("flows").selectAll().orderBy("created_at")).map(toSummary);
    },
    version(flowId: string, version: number): FlowVersionRow | undefined {
      const r = store.get(
        q
          .selectFrom("flow_versions")
          .selectAll()
          .where("flow_id", "=", flowId)
          .where("version", "=", version),
      );
      return r
        ? {
            flowId: r.flow_id,
            version: r.version,
            definition: JSON.parse(r.definition_json),
            createdAt: r.created_at,
            publishedAt: r.published_at,
          }
        : undefined;
    },
    versions(flowId: string): Array<Omit<FlowVersionRow, "definition">> {
      return store
        .all(
          q
            .selectFrom("flow_versions")
            .select(["flow_id", "version", "created_at", "published_at"])
            .where("flow_id", "=", flowId)
            .orderBy("version"),
        )
        .map((r) => ({
          flowId: r.flow_id,
          version: r.version,
          createdAt: r.created_at,
          publishedAt: r.published_at,
        }));
    },
    /** Published flow versions, for the router (definitions come from the flow cache). */
    published(): Array<{ id: string; version: number }> {
      return store
        .statement("flows.published", () =>
          q
            .selectFrom("flows")
            .select(["id", "published_version"])
            .where("published_version", "is not", null)
            .orderBy("updated_at", "desc"),
        )
        .all()
        .map((r) => ({ id: r.id, version: r.published_version ?? 0 }));
    },

    /** Inside `store.write`. */
    create(id: string, name: string, definition: unknown, now: number, owner: Owner = "user"): void {
      store.run(
        q.insertInto("flows").values({
          id,
          name,
          latest_version: 1,
          published_version: null,
          owner,
          created_at: now,
          updated_at: now,
        }),
      );
      store.run(
        q.insertInto("flow_versions").values({
          flow_id: id,
          version: 1,
          definition_json: JSON.stringify(definition),
          created_at: now,
          published_at: null,
        }),
      );
    },
    /** Inside `store.write`: stores a new draft version and returns its number. */
    addVersion(id: string, name: string, definition: unknown, now: number): number {
      const current = store.get(q.selectFrom("flows").select("latest_version").where("id", "=", id));
      if (!current) throw new Error(`flow ${id} vanished`);
      const version = current.latest_version + 1;
      store.run(
        q.insertInto("flow_versions").values({
          flow_id: id,
          version,
          definition_json: JSON.stringify(definition),
          created_at: now,
          published_at: null,
        }),
      );
      store.run(
        q.updateTable("flows").set({ latest_version: version, name, updated_at: now }).where("id", "=", id),
      );
      return version;
    },
    /** Inside `store.write`. */
    publish(id: string, version: number, now: number): void {
      store.run(
        q
          .updateTable("flow_versions")
          .set({ published_at: now })
          .where("flow_id", "=", id)
          .where("version", "=", version),
      );
      store.run(
        q.updateTable("flows").set({ published_version: version, updated_at: now }).where("id", "=", id),
      );
    },
  };
}
export type FlowRepo = ReturnType<typeof createFlowRepo>;
