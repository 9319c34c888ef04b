import type { RunState } from "../../flows/runtime.js";
import type { Executor } from "../db.js";
import { noticeIntegrationsChanged } from "./change-notice.js";
import { detachSandboxContacts } from "./contact-side.js";
import { createRunOperations, endReasonFor } from "./run-operations.js";

/** Why a sandbox run ends when the sandbox steps aside (the run's history shows it). */
const SANDBOX_ENDED = {
  code: "SANDBOX_OFF",
  message:
    "The built-in sandbox stepped aside when the first connection or channel of your own was created; its conversations ended here.",
};

/** The `settings` key of the sandbox's state: `{ steppedAsideAt }`. */
const SANDBOX_SETTING = "sandbox";

/**
 * What the built-in sandbox owns, by the stored `owner` column (never inferred from URLs):
 * whether real integrations exist, adopting rows from a data dir of before that column, and
 * retiring everything it owns in the caller's write.
 */
export interface SandboxOwned {
  connectionIds: string[];
  channelIds: string[];
  flowIds: string[];
}

export interface Retired extends SandboxOwned {
  endedRuns: number;
}

export function createSandboxRepo(exec: Executor) {
  const { q } = exec;
  const idsOf = async (table: "connections" | "channels" | "flows"): Promise<string[]> =>
    (await exec.all(q.selectFrom(table).select("id").where("owner", "=", "sandbox"))).map((r) => r.id);

  const owned = async (): Promise<SandboxOwned> => ({
    connectionIds: await idsOf("connections"),
    channelIds: await idsOf("channels"),
    flowIds: await idsOf("flows"),
  });

  return {
    owned,
    /**
     * When the sandbox stepped aside for the user's first connection or channel (`settings`),
     * or null. It then stays off even once the user's integrations are all deleted: started
     * again, its connection (named as the user's flows name theirs) would take their runs to
     * the emulated org. `TERN_SANDBOX=on` brings it back (bootstrap.ts).
     */
    async steppedAsideAt(): Promise<number | null> {
      const row = await exec.get(
        q.selectFrom("settings").select("value_json").where("key", "=", SANDBOX_SETTING),
      );
      const value = row ? (JSON.parse(row.value_json) as { steppedAsideAt?: unknown }) : null;
      return typeof value?.steppedAsideAt === "number" ? value.steppedAsideAt : null;
    },
    /** Inside `store.write` (idempotent: keeps the first time). */
    async markSteppedAside(now: number): Promise<void> {
      await exec.run(
        q
          .insertInto("settings")
          .values({
            key: SANDBOX_SETTING,
            value_json: JSON.stringify({ steppedAsideAt: now }),
            updated_at: now,
          })
          .onConflict((oc) => oc.column("key").doNothing()),
      );
    },
    /** Inside `store.write`: the user asked for the sandbox back (`TERN_SANDBOX=on`). */
    async clearSteppedAside(): Promise<void> {
      await exec.run(q.deleteFrom("settings").where("key", "=", SANDBOX_SETTING));
    },
    /** A connection or channel the user created exists: the sandbox must stay off. */
    async hasUserIntegrations(): Promise<boolean> {
      const connection = await exec.get(
        q.selectFrom("connections").select("id").where("owner", "=", "user").limit(1),
      );
      return (
        connection !== undefined ||
        (await exec.get(q.selectFrom("channels").select("id").where("owner", "=", "user").limit(1))) !==
          undefined
      );
    },
    /** Inside `store.write`: marks rows the sandbox created before ownership was stored. */
    async adopt(ids: { connectionId: string; channelId: string; flowId?: string }): Promise<void> {
      await exec.run(
        q.updateTable("connections").set({ owner: "sandbox" }).where("id", "=", ids.connectionId),
      );
      await exec.run(q.updateTable("channels").set({ owner: "sandbox" }).where("id", "=", ids.channelId));
      if (ids.flowId)
        await exec.run(q.updateTable("flows").set({ owner: "sandbox" }).where("id", "=", ids.flowId));
    },
    /**
     * Inside `store.write`, the same one that creates the first real integration: deletes the
     * sandbox's connections (and their tokens) and channels, unpublishes its flows (they stay as
     * drafts), ends its waiting or running runs, drops its channels' unprocessed messages and detaches its
     * contacts from their phone numbers (contact-side.ts).
     */
    async retire(now: number): Promise<Retired> {
      const ids = await owned();
      let endedRuns = 0;
      if (ids.flowIds.length > 0 || ids.channelIds.length > 0) {
        // Ended as any run is ended (run-operations.ts): a reason in its history and its waiting
        // step `dropped`, not a bare "ended" that says nothing of why.
        const active = await exec.all(
          q
            .selectFrom("runs")
            .select(["id", "state_json"])
            .where((eb) =>
              eb.or([
                ...(ids.flowIds.length > 0 ? [eb("flow_id", "in", ids.flowIds)] : []),
                ...(ids.channelIds.length > 0 ? [eb("channel_id", "in", ids.channelIds)] : []),
              ]),
            )
            .where("status", "in", ["waiting", "running"]),
        );
        const runs = createRunOperations(exec);
        for (const row of active) {
          const reason = endReasonFor({ state: JSON.parse(row.state_json) as RunState }, SANDBOX_ENDED, now);
          if (await runs.end(row.id, reason, now)) endedRuns++;
        }
      }
      if (ids.channelIds.length > 0) {
        await exec.run(
          q
            .updateTable("inbox")
            .set({ processed_at: now })
            .where("channel_id", "in", ids.channelIds)
            .where("processed_at", "is", null),
        );
        await detachSandboxContacts(exec, ids.channelIds, now);
        await exec.run(q.deleteFrom("channels").where("id", "in", ids.channelIds));
      }
      if (ids.connectionIds.length > 0) {
        await exec.run(q.deleteFrom("connection_tokens").where("connection_id", "in", ids.connectionIds));
        await exec.run(q.deleteFrom("connections").where("id", "in", ids.connectionIds));
      }
      if (ids.channelIds.length > 0 || ids.connectionIds.length > 0) await noticeIntegrationsChanged(exec);
      if (ids.flowIds.length > 0) {
        await exec.run(
          q
            .updateTable("flows")
            .set({ published_version: null, updated_at: now })
            .where("id", "in", ids.flowIds)
            .where("published_version", "is not", null),
        );
      }
      return { ...ids, endedRuns };
    },
  };
}
export type SandboxRepo = ReturnType<typeof createSandboxRepo>;
