import type { ChannelEvent, InboundMessage, StatusEvent } from "../../channels/channel.js";
import type { Executor } from "../db.js";

/**
 * The inbox is the durable queue of inbound messages: unique per channel + provider message id
 * (provider redeliveries are no-ops), processed per conversation in id order.
 */
export interface InboxItem {
  id: number;
  channelId: string;
  conversationKey: string;
  message: InboundMessage;
  receivedAt: number;
}

export function conversationKey(channelId: string, from: string): string {
  return `${channelId}:${from}`;
}

/** The address part of a conversation key of this channel (`conversationKey`'s inverse). */
export function conversationAddress(channelId: string, key: string): string {
  return key.slice(channelId.length + 1);
}

export function createInboxRepo(exec: Executor) {
  const { q } = exec;
  return {
    /** Inside `store.write`: stores messages, applies statuses. Returns the keys of conversations with new messages. */
    async ingest(channelId: string, events: ChannelEvent[], now: number): Promise<string[]> {
      const touched = new Set<string>();
      for (const event of events) {
        if (event.kind === "status") {
          await applyStatus(exec, channelId, event, now);
          continue;
        }
        const key = conversationKey(channelId, event.from);
        const result = await exec
          .statement("inbox.insert", (p) =>
            q
              .insertInto("inbox")
              .values({
                channel_id: p("channelId"),
                provider_message_id: p("providerMessageId"),
                conversation_key: p("key"),
                event_json: p("json"),
                received_at: p("now"),
                processed_at: null,
              })
              .onConflict((oc) => oc.columns(["channel_id", "provider_message_id"]).doNothing()),
          )
          .run({
            channelId,
            providerMessageId: event.providerMessageId,
            key,
            json: JSON.stringify(event),
            now,
          });
        if (result.changes > 0) touched.add(key);
      }
      return [...touched];
    },
    async nextPending(conversationKey: string): Promise<InboxItem | undefined> {
      const row = await exec
        .statement("inbox.nextPending", (p) =>
          q
            .selectFrom("inbox")
            .selectAll()
            .where("conversation_key", "=", p("key"))
            .where("processed_at", "is", null)
            .orderBy("id")
            .limit(1),
        )
        .get({ key: conversationKey });
      return row
        ? {
            id: row.id,
            channelId: row.channel_id,
            conversationKey: row.conversation_key,
            message: JSON.parse(row.event_json) as InboundMessage,
            receivedAt: row.received_at,
          }
        : undefined;
    },
    async pendingConversations(): Promise<string[]> {
      const rows = await exec.all(
        q.selectFrom("inbox").select("conversation_key").where("processed_at", "is", null).distinct(),
      );
      return rows.map((r) => r.conversation_key);
    },
    /** Inside `store.write`. False when it was already processed. */
    async markProcessed(id: number, now: number): Promise<boolean> {
      return (
        (
          await exec
            .statement("inbox.markProcessed", (p) =>
              q
                .updateTable("inbox")
                .set({ processed_at: p("now") })
                .where("id", "=", p("id"))
                .where("processed_at", "is", null),
            )
            .run({ id, now })
        ).changes > 0
      );
    },
    /** Stored but not processed yet (`/metrics`). */
    async backlog(): Promise<number> {
      const row = await exec.get(
        q
          .selectFrom("inbox")
          .select((eb) => eb.fn.countAll<number | string>().as("n"))
          .where("processed_at", "is", null),
      );
      // PostgreSQL returns a bigint count as a string.
      return Number(row?.n ?? 0);
    },
    async count(channelId?: string): Promise<number> {
      let query = q.selectFrom("inbox").select((eb) => eb.fn.countAll<number | string>().as("n"));
      if (channelId) query = query.where("channel_id", "=", channelId);
      return Number((await exec.get(query))?.n ?? 0);
    },
  };
}
export type InboxRepo = ReturnType<typeof createInboxRepo>;

/** Delivery statuses only move forward (a late "delivered" never overwrites "read"). */
const statusRank: Record<string, number> = {
  pending: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
};

async function applyStatus(
  exec: Executor,
  channelId: string,
  event: StatusEvent,
  now: number,
): Promise<void> {
  const { q } = exec;
  const byProvider = await exec.get(
    q
      .selectFrom("messages")
      .select(["id", "status", "provider_message_id"])
      .where("channel_id", "=", channelId)
      .where("provider_message_id", "=", event.providerMessageId),
  );
  const target =
    byProvider ??
    (event.correlationId
      ? await exec.get(
          q
            .selectFrom("messages")
            .select(["id", "status", "provider_message_id"])
            .where("effect_key", "=", event.correlationId),
        )
      : undefined);
  if (!target) return;
  if ((statusRank[event.status] ?? 0) <= (statusRank[target.status] ?? 0)) return;
  await exec.run(
    q
      .updateTable("messages")
      .set({
        status: event.status,
        status_at: event.timestamp || now,
        provider_message_id: target.provider_message_id ?? event.providerMessageId,
        error_json: event.errors ? JSON.stringify(event.errors) : null,
      })
      .where("id", "=", target.id),
  );
}
