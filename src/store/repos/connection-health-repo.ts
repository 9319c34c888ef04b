import type { ConnectionHealth, ConnectionHealthStore } from "../../connectors/connector.js";
import type { Db, Executor } from "../db.js";

/**
 * A connection's health (connectors/connector.ts ConnectionHealth): one row per connection that
 * is not "ok". `set` is called by a connector between network calls, so it opens its own write
 * on `db`, like the token repo.
 */
export function createConnectionHealthRepo(
  exec: Executor,
  db: Db,
): ConnectionHealthStore & {
  get(connectionId: string): Promise<ConnectionHealth>;
  clear(connectionId: string): Promise<void>;
} {
  const { q } = exec;
  return {
    async get(connectionId) {
      const row = await exec.get(
        q.selectFrom("connection_health").selectAll().where("connection_id", "=", connectionId),
      );
      if (!row) return { state: "ok", code: null, reason: null, pausedUntil: null, since: null };
      return {
        state: row.state as ConnectionHealth["state"],
        code: row.code,
        reason: row.reason,
        pausedUntil: row.paused_until,
        since: row.since,
      };
    },
    /** Inside `store.write`. */
    async clear(connectionId) {
      await exec.run(q.deleteFrom("connection_health").where("connection_id", "=", connectionId));
    },
    async set(connectionId, health) {
      const now = Date.now();
      await db.write(async (tx) => {
        if (health.state === "ok") {
          await tx.run(tx.q.deleteFrom("connection_health").where("connection_id", "=", connectionId));
          return;
        }
        // The connection may have been deleted meanwhile: then there is nothing to report on.
        const exists = await tx.get(
          tx.q.selectFrom("connections").select("id").where("id", "=", connectionId),
        );
        if (!exists) return;
        const values = {
          state: health.state,
          code: health.code,
          reason: health.reason,
          paused_until: health.pausedUntil,
          since: health.since ?? now,
          updated_at: now,
        };
        await tx.run(
          tx.q
            .insertInto("connection_health")
            .values({ connection_id: connectionId, ...values })
            .onConflict((oc) => oc.column("connection_id").doUpdateSet(values)),
        );
      });
    },
  };
}
