import { type QueryCreator, sql } from "kysely";
import type { Database, Owner } from "../database.js";
import type { Executor } from "../db.js";

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

/** A published flow: the version a new conversation may start on (`createdAt`: the version's). */
export interface PublishedFlow {
  id: string;
  version: number;
  createdAt: number;
}

/**
 * The published flows, the most recently published first: that order breaks ties between flows
 * whose triggers match the same message. Also read inside another statement (turn-repo.ts).
 */
export const publishedFlowsQuery = (qc: QueryCreator<Database>) =>
  qc
    .selectFrom("flows")
    .innerJoin("flow_versions", (join) =>
      join
        .onRef("flow_versions.flow_id", "=", "flows.id")
        .onRef("flow_versions.version", "=", "flows.published_version"),
    )
    // published_at: the order, kept by a statement that aggregates these rows (turn-repo.ts).
    .select(["flows.id", "flows.published_version", "flow_versions.created_at", "flow_versions.published_at"])
    .orderBy("flow_versions.published_at", "desc")
    .orderBy("flows.id");

export const toPublishedFlow = (r: {
  id: string;
  published_version: number | null;
  created_at: number;
}): PublishedFlow => ({ id: r.id, version: r.published_version ?? 0, createdAt: Number(r.created_at) });

export function createFlowRepo(exec: Executor) {
  const { q } = exec;
  const toSummary = (r: Database["flows"]): FlowSummary => ({
    id: r.id,
    name: r.name,
    latestVersion: r.latest_version,
    publishedVersion: r.published_version,
    owner: r.owner,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  /**
   * Inside `store.write`: the flow read under its row's lock (PostgreSQL; SQLite's writer is
   * alone), so a publish, a delete and an import of one flow see each other; undefined when the
   * flow is gone.
   */
  const lock = async (id: string): Promise<FlowSummary | undefined> => {
    const read = q.selectFrom("flows").selectAll().where("id", "=", id);
    const row = await exec.get(exec.dialect === "postgres" ? read.forUpdate() : read);
    return row ? toSummary(row) : undefined;
  };

  return {
    async get(id: string): Promise<FlowSummary | undefined> {
      const r = await exec.get(q.selectFrom("flows").selectAll().where("id", "=", id));
      return r ? toSummary(r) : undefined;
    },
    async list(): Promise<FlowSummary[]> {
      return (await exec.all(q.selectFrom("flows").selectAll().orderBy("created_at"))).map(toSummary);
    },
    /** The list with when each flow last started a run (a correlated max: one index seek a flow). */
    async listWithLastRun(): Promise<Array<FlowSummary & { lastRunAt: number | null }>> {
      const rows = await exec.all(
        q
          .selectFrom("flows")
          .selectAll("flows")
          .select((eb) =>
            eb
              .selectFrom("runs")
              .select((r) => r.fn.max("runs.created_at").as("m"))
              .whereRef("runs.flow_id", "=", "flows.id")
              .as("last_run_at"),
          )
          .orderBy("flows.created_at"),
      );
      // PostgreSQL answers BIGINT aggregates as strings.
      return rows.map((r) => ({
        ...toSummary(r),
        lastRunAt: r.last_run_at === null ? null : Number(r.last_run_at),
      }));
    },
    async version(flowId: string, version: number): Promise<FlowVersionRow | undefined> {
      const r = await exec.get(
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
    async versions(flowId: string): Promise<Array<Omit<FlowVersionRow, "definition">>> {
      const rows = await exec.all(
        q
          .selectFrom("flow_versions")
          .select(["flow_id", "version", "created_at", "published_at"])
          .where("flow_id", "=", flowId)
          .orderBy("version"),
      );
      return rows.map((r) => ({
        flowId: r.flow_id,
        version: r.version,
        createdAt: r.created_at,
        publishedAt: r.published_at,
      }));
    },
    /**
     * The published flows, the most recently published first: that order breaks ties between
     * flows whose triggers match the same message. A draft saved meanwhile changes nothing live.
     * `createdAt` is the version's: the flow cache's check that the id was not deleted and
     * imported again since it parsed the version (a number reused: deleted before deleted_flows).
     */
    async published(): Promise<PublishedFlow[]> {
      const rows = await exec.statement("flows.published", () => publishedFlowsQuery(q)).all();
      return rows.map(toPublishedFlow);
    },
    /** When a stored version was created (what tells a version from one of an id imported again). */
    async versionCreatedAt(flowId: string, version: number): Promise<number | undefined> {
      const r = await exec
        .statement("flows.versionCreatedAt", (p) =>
          q
            .selectFrom("flow_versions")
            .select("created_at")
            .where("flow_id", "=", p("flowId"))
            .where("version", "=", p("version")),
        )
        .get({ flowId, version });
      return r?.created_at;
    },

    /**
     * Inside `store.write`; returns the first version's number: 1, or for an id deleted before,
     * the one after its last (so no ETag of the deleted flow names a version of this one).
     */
    async create(
      id: string,
      name: string,
      definition: unknown,
      now: number,
      owner: Owner = "user",
    ): Promise<number> {
      const deleted = await exec.get(
        q.selectFrom("deleted_flows").select("last_version").where("id", "=", id),
      );
      const version = (deleted?.last_version ?? 0) + 1;
      await exec.run(
        q.insertInto("flows").values({
          id,
          name,
          latest_version: version,
          published_version: null,
          owner,
          created_at: now,
          updated_at: now,
        }),
      );
      await exec.run(
        q.insertInto("flow_versions").values({
          flow_id: id,
          version,
          definition_json: JSON.stringify(definition),
          created_at: now,
          published_at: null,
        }),
      );
      return version;
    },
    /** Inside `store.write`: stores a new draft version and returns its number. */
    async addVersion(id: string, name: string, definition: unknown, now: number): Promise<number> {
      // Takes the flow's next version number in the same statement that claims it, so two
      // writers on a pool cannot both read the same latest version.
      const claimed = await exec.get(
        q
          .updateTable("flows")
          .set((eb) => ({ latest_version: eb("latest_version", "+", 1), name, updated_at: now }))
          .where("id", "=", id)
          .returning("latest_version"),
      );
      if (!claimed) throw new Error(`flow ${id} vanished`);
      const version = claimed.latest_version;
      await exec.run(
        q.insertInto("flow_versions").values({
          flow_id: id,
          version,
          definition_json: JSON.stringify(definition),
          created_at: now,
          published_at: null,
        }),
      );
      return version;
    },
    /** Inside `store.write`: no version takes new conversations; false when none was published. */
    async unpublish(id: string, now: number): Promise<boolean> {
      const { changes } = await exec.run(
        q
          .updateTable("flows")
          .set({ published_version: null, updated_at: now })
          .where("id", "=", id)
          .where("published_version", "is not", null),
      );
      return changes > 0;
    },
    /**
     * Inside `store.write`: the flow, its versions (cascade) and what only it used (its webhook
     * token, API idempotency keys, schedule firings). The caller checks nothing refers to it.
     */
    async remove(id: string, now: number): Promise<boolean> {
      await exec.run(
        q
          .insertInto("deleted_flows")
          .columns(["id", "last_version", "deleted_at"])
          .expression((eb) =>
            eb
              .selectFrom("flows")
              .select(["id", "latest_version", sql<number>`cast(${now} as bigint)`.as("deleted_at")])
              .where("id", "=", id),
          )
          .onConflict((oc) =>
            oc.column("id").doUpdateSet((eb) => ({
              last_version: eb.ref("excluded.last_version"),
              deleted_at: eb.ref("excluded.deleted_at"),
            })),
          ),
      );
      await exec.run(q.deleteFrom("flow_hooks").where("flow_id", "=", id));
      await exec.run(q.deleteFrom("trigger_requests").where("flow_id", "=", id));
      await exec.run(q.deleteFrom("schedule_firings").where("flow_id", "=", id));
      await exec.run(q.deleteFrom("flow_versions").where("flow_id", "=", id));
      const { changes } = await exec.run(q.deleteFrom("flows").where("id", "=", id));
      return changes > 0;
    },
    lock,
    /**
     * Inside `store.write`; returns the version published before, read under the row's lock:
     * concurrent publishes each see the one before them. Null when the flow is gone (deleted
     * meanwhile): nothing is published.
     */
    async publish(
      id: string,
      version: number,
      now: number,
    ): Promise<{ previousVersion: number | null } | null> {
      const before = await lock(id);
      if (!before) return null;
      await exec.run(
        q
          .updateTable("flow_versions")
          .set({ published_at: now })
          .where("flow_id", "=", id)
          .where("version", "=", version),
      );
      await exec.run(
        q.updateTable("flows").set({ published_version: version, updated_at: now }).where("id", "=", id),
      );
      return { previousVersion: before.publishedVersion };
    },
  };
}
export type FlowRepo = ReturnType<typeof createFlowRepo>;
