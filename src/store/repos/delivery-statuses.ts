import type { StatusEvent, WatermarkEvent } from "../../channels/channel.js";
import type { Executor } from "../db.js";
import type { MessageFallback } from "./contact-repo.js";

/**
 * Delivery statuses on the messages Tern sent: one status naming a message (by the provider's id,
 * or by the correlation the send attached), a watermark naming none, and statuses that came
 * before their send's provider id was recorded (`early_statuses`, applied by `settleEarly`).
 */

/** Delivery statuses only move forward (a late "delivered" never overwrites "read"). */
const statusRank: Record<string, number> = {
  pending: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
};

/**
 * A watermark: every message sent (status `sent`, or `delivered` for a read) to the recipient's
 * contact on this channel, created before the watermark, takes the status. Idempotent, and never
 * a step down (failed stays failed). Its fallback question is answered (as a delivery's is).
 * One that also covers a send whose answer is not recorded yet (Messenger's delivery without
 * mids can overtake the Send API's answer, as a per-mid one can) is kept for it, as an early
 * status is, and applied again once that send has settled.
 */
export async function applyWatermark(
  exec: Executor,
  channelId: string,
  event: WatermarkEvent,
  now: number,
): Promise<void> {
  const { q } = exec;
  const identity = await exec.get(
    q
      .selectFrom("contact_identities")
      .select("contact_id")
      .where("channel_id", "=", channelId)
      .where("address", "=", event.recipient),
  );
  if (!identity) return;
  const kept: EarlyWatermark = {
    status: event.status,
    watermark: event.watermark,
    contactId: identity.contact_id,
  };
  if (!(await applyWatermarkTo(exec, channelId, kept))) return;
  // The contact's id, never the recipient's address (early statuses keep no address).
  await keepEarly(exec, channelId, `watermark:${kept.contactId}:${kept.watermark}`, kept, now);
}

/** A watermark kept for a send in flight: its contact, not the recipient's address. */
interface EarlyWatermark {
  status: WatermarkEvent["status"];
  watermark: number;
  contactId: string;
}

/** Applies a watermark; true when it covers a send still in flight (its message `sending`). */
async function applyWatermarkTo(exec: Executor, channelId: string, w: EarlyWatermark): Promise<boolean> {
  const { q } = exec;
  // Looked for before the update: on PostgreSQL a settle committing between the two is then
  // either seen in flight here (kept, applied later) or seen sent by the update, never missed.
  const inFlight = await exec.get(
    q
      .selectFrom("messages")
      .innerJoin("effects", "effects.key", "messages.effect_key")
      .select("messages.id")
      .where("messages.channel_id", "=", channelId)
      .where("messages.contact_id", "=", w.contactId)
      .where("messages.direction", "=", "out")
      .where("messages.status", "in", ["pending", "sending"])
      .where("messages.created_at", "<=", w.watermark)
      // A send waiting to be tried again (the provider failed it for now) is not in flight.
      .where("effects.status", "=", "in_flight")
      .limit(1),
  );
  const below = w.status === "read" ? ["sent", "delivered"] : ["sent"];
  await exec.run(
    q
      .updateTable("messages")
      .set({ status: w.status, status_at: w.watermark, fallback_json: null })
      .where("channel_id", "=", channelId)
      .where("contact_id", "=", w.contactId)
      .where("direction", "=", "out")
      .where("status", "in", below)
      .where("created_at", "<=", w.watermark),
  );
  return inFlight !== undefined;
}

/**
 * Applies a delivery status to the message it is about. A `failed` status for a message whose
 * send step has a fallback, before the fallback's deadline and before any `delivered`, queues
 * the fallback as an inbox item of the message's conversation (same commit; the worker sends
 * it in the conversation's turn, `queue/fallback.ts`). Returns that conversation's key in
 * `fallbackIn`, or null when no message Tern sent is named (yet: see `keepEarlyStatus`).
 */
export async function applyStatus(
  exec: Executor,
  channelId: string,
  event: Pick<StatusEvent, "providerMessageId" | "status" | "timestamp" | "correlationId" | "errors">,
  now: number,
): Promise<{ fallbackIn?: string } | null> {
  const { q } = exec;
  const columns = ["id", "status", "provider_message_id", "effect_key", "fallback_json"] as const;
  // PostgreSQL: the row is locked as it is read. Two statuses of one message stored at once (two
  // group-commit slots, two processes) otherwise both read the old status, and the one committing
  // second stepped the first back (a read shown as delivered) or fell back for a delivered message.
  // Locked, the second reads what the first committed. SQLite's single writer already orders them.
  const locked = <T extends { forUpdate(): T }>(query: T): T =>
    exec.dialect === "postgres" ? query.forUpdate() : query;
  // Statuses are about what Tern sent: an event naming a customer's message (its id is known to
  // the provider too) changes nothing.
  const byProvider = await exec.get(
    locked(
      q
        .selectFrom("messages")
        .select(columns)
        .where("channel_id", "=", channelId)
        .where("provider_message_id", "=", event.providerMessageId)
        .where("direction", "=", "out"),
    ),
  );
  const target =
    byProvider ??
    (event.correlationId
      ? await exec.get(
          locked(
            q
              .selectFrom("messages")
              .select(columns)
              .where("effect_key", "=", event.correlationId)
              .where("direction", "=", "out"),
          ),
        )
      : undefined);
  if (!target) return null;
  if ((statusRank[event.status] ?? 0) <= (statusRank[target.status] ?? 0)) return {};
  const fallbackIn =
    event.status === "failed" && (statusRank[target.status] ?? 0) < (statusRank.delivered ?? 3)
      ? await queueFallback(exec, channelId, target, event, now)
      : undefined;
  await exec.run(
    q
      .updateTable("messages")
      .set({
        status: event.status,
        status_at: event.timestamp || now,
        provider_message_id: target.provider_message_id ?? event.providerMessageId,
        error_json: event.errors ? JSON.stringify(event.errors) : null,
        // Delivered or failed, the fallback's question is answered: it never fires (again).
        ...(event.status === "delivered" || event.status === "read" || fallbackIn
          ? { fallback_json: null }
          : {}),
      })
      .where("id", "=", target.id),
  );
  return fallbackIn ? { fallbackIn } : {};
}

/** The inbox item that asks the worker to send a failed message again through its fallback. */
export interface FallbackRequest {
  kind: "fallback";
  /** The effect key of the send that failed. */
  effectKey: string;
  /** The fallback channel as the send step named it. */
  channel: string;
  reason: string;
}

async function queueFallback(
  exec: Executor,
  channelId: string,
  target: { id: string; effect_key: string | null; fallback_json: string | null },
  event: Pick<StatusEvent, "errors">,
  now: number,
): Promise<string | undefined> {
  if (!target.fallback_json || !target.effect_key) return undefined;
  const fallback = JSON.parse(target.fallback_json) as MessageFallback;
  if (fallback.until < now) return undefined;
  const codes = (event.errors ?? []).map((e) => `${e.code}${e.title ? ` ${e.title}` : ""}`).join("; ");
  const request: FallbackRequest = {
    kind: "fallback",
    effectKey: target.effect_key,
    channel: fallback.channel,
    reason: `The channel reported the message as failed${codes ? ` (${codes})` : ""}.`,
  };
  await exec.run(
    exec.q
      .insertInto("inbox")
      .values({
        channel_id: channelId,
        // One fallback per message, whatever the provider redelivers.
        provider_message_id: `fallback:${target.id}`,
        conversation_key: fallback.conversationKey,
        event_json: JSON.stringify(request),
        received_at: now,
        processed_at: null,
      })
      .onConflict((oc) => oc.columns(["channel_id", "provider_message_id"]).doNothing()),
  );
  return fallback.conversationKey;
}

/** What an early status keeps: never its recipient. */
type EarlyStatus = Pick<StatusEvent, "status" | "timestamp" | "errors">;

/** A kept status is first looked at this long after it came (its send's settle is that close). */
const FIRST_CHECK_MS = 250;
/** Then again after as long as it has waited so far (doubling), at most this long apart. */
const MAX_CHECK_GAP_MS = 60_000;

/**
 * Keeps a status that named no message, from a channel whose statuses carry no correlation: a
 * provider can call back before the send's answer (its message id) is committed here, and a
 * `failed` dropped then would never fall back. `settleEarly` applies it once the id is known.
 */
export async function keepEarlyStatus(
  exec: Executor,
  channelId: string,
  event: StatusEvent,
  now: number,
): Promise<void> {
  const kept: EarlyStatus = {
    status: event.status,
    timestamp: event.timestamp,
    ...(event.errors && { errors: event.errors }),
  };
  await keepEarly(exec, channelId, event.providerMessageId, kept, now);
}

/** Stores a kept status or watermark under `id`, first looked at soon; a redelivery keeps one. */
async function keepEarly(
  exec: Executor,
  channelId: string,
  id: string,
  kept: EarlyStatus | EarlyWatermark,
  now: number,
): Promise<void> {
  await exec.run(
    exec.q
      .insertInto("early_statuses")
      .values({
        channel_id: channelId,
        provider_message_id: id,
        status: kept.status,
        event_json: JSON.stringify(kept),
        received_at: now,
        check_at: now + FIRST_CHECK_MS,
      })
      .onConflict((oc) => oc.columns(["channel_id", "provider_message_id", "status"]).doNothing()),
  );
}

/** The early statuses (queue/early-statuses.ts sweeps them). */
export function createDeliveryStatusRepo(exec: Executor) {
  const { q } = exec;
  return {
    /** When the next kept status is due for a look; null when none is kept. */
    async nextCheckAt(): Promise<number | null> {
      const row = await exec.get(
        q.selectFrom("early_statuses").select("check_at").orderBy("check_at").limit(1),
      );
      return row ? Number(row.check_at) : null;
    },
    /**
     * Inside `store.write`: looks at up to `limit` kept statuses due at `now`, oldest due first.
     * One whose message is now known is applied and forgotten; one older than `keepMs` is
     * forgotten (it names a message Tern did not send); any other is looked at again later.
     * Returns the conversations a `failed` queued a fallback in.
     */
    async settleEarly(now: number, limit: number, keepMs: number): Promise<string[]> {
      const rows = await exec.all(
        q
          .selectFrom("early_statuses")
          .selectAll()
          .where("check_at", "<=", now)
          .orderBy("check_at")
          .limit(limit),
      );
      const keys = new Set<string>();
      for (const row of rows) {
        const kept = JSON.parse(row.event_json) as EarlyStatus | EarlyWatermark;
        let isApplied: boolean;
        if ("watermark" in kept) {
          // Applied to what has settled meanwhile; done once no send it covers is in flight.
          isApplied = !(await applyWatermarkTo(exec, row.channel_id, kept));
        } else {
          const applied = await applyStatus(
            exec,
            row.channel_id,
            { ...kept, providerMessageId: row.provider_message_id },
            now,
          );
          if (applied?.fallbackIn) keys.add(applied.fallbackIn);
          isApplied = applied !== null;
        }
        const waited = now - Number(row.received_at);
        const isDone = isApplied || waited >= keepMs;
        const { channel_id, provider_message_id, status } = row;
        if (isDone) {
          await exec.run(
            q
              .deleteFrom("early_statuses")
              .where("channel_id", "=", channel_id)
              .where("provider_message_id", "=", provider_message_id)
              .where("status", "=", status),
          );
        } else {
          await exec.run(
            q
              .updateTable("early_statuses")
              .set({ check_at: now + Math.min(Math.max(waited, FIRST_CHECK_MS), MAX_CHECK_GAP_MS) })
              .where("channel_id", "=", channel_id)
              .where("provider_message_id", "=", provider_message_id)
              .where("status", "=", status),
          );
        }
      }
      return [...keys];
    },
  };
}
