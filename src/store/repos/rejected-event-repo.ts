import { boundedJson } from "../../core/bounded-json.js";
import type { Executor } from "../db.js";

/**
 * Webhook items Tern acknowledged but could not process: an item that does not parse, or one
 * addressed to an account no channel owns. Kept so a person can see what was dropped and why;
 * the provider is not asked to redeliver (it would redeliver the whole batch for days).
 */
/** Why an item was kept: it did not parse, no channel owns its account, or it was dead-lettered. */
export const REJECTED_REASONS = ["invalid", "unroutable", "processing_failed"] as const;
export type RejectedReason = (typeof REJECTED_REASONS)[number];

export interface RejectedEvent {
  id: number;
  channelId: string;
  path: string;
  reason: RejectedReason;
  detail: string;
  item: unknown;
  receivedAt: number;
}

export function createRejectedEventRepo(exec: Executor) {
  const { q } = exec;
  return {
    /** Inside `store.write`, in the same commit as the delivery's good items. */
    async insert(event: Omit<RejectedEvent, "id">): Promise<void> {
      await exec
        .statement("rejected.insert", (p) =>
          q.insertInto("rejected_events").values({
            channel_id: p("channelId"),
            path: p("path"),
            reason: p("reason"),
            detail: p("detail"),
            item_json: p("json"),
            received_at: p("receivedAt"),
          }),
        )
        .run({
          channelId: event.channelId,
          path: event.path,
          reason: event.reason,
          detail: event.detail,
          // A hostile item can nest deeper than JSON.stringify recurses.
          json: boundedJson(event.item),
          receivedAt: event.receivedAt,
        });
    },
    /** How many are kept, by reason (`/metrics`): dead letters of every process, worker or serve. */
    async countByReason(): Promise<Array<{ reason: string; n: number }>> {
      const rows = await exec.all(
        q
          .selectFrom("rejected_events")
          .select((eb) => ["reason", eb.fn.countAll<number | string>().as("n")])
          .groupBy("reason")
          .orderBy("reason"),
      );
      return rows.map((row) => ({ reason: row.reason, n: Number(row.n) }));
    },
    /** Newest first. */
    async list(channelId: string, limit: number): Promise<RejectedEvent[]> {
      const rows = await exec.all(
        q
          .selectFrom("rejected_events")
          .selectAll()
          .where("channel_id", "=", channelId)
          .orderBy("id", "desc")
          .limit(limit),
      );
      return rows.map((row) => ({
        id: row.id,
        channelId: row.channel_id,
        path: row.path,
        reason: row.reason,
        detail: row.detail,
        item: JSON.parse(row.item_json) as unknown,
        receivedAt: row.received_at,
      }));
    },
  };
}
export type RejectedEventRepo = ReturnType<typeof createRejectedEventRepo>;
