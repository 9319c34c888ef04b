import { sql } from "kysely";
import { newId } from "../../core/ids.js";
import { toE164 } from "../../core/phone.js";
import type { RunState } from "../../flows/runtime.js";
import type { Executor } from "../db.js";
import { phoneJoinableFrom } from "./contact-side.js";
import { conversationKey } from "./inbox-repo.js";

/**
 * What a trigger asks the worker to do in a conversation's turn, queued as an inbox row of that
 * conversation (like a fallback): start a run (API, webhook, schedule, tag), or release a run
 * a person had (handoff). The inbox gives them the conversation's order on both dialects.
 */
export type ControlRequest =
  | {
      kind: "trigger";
      /** Assigned when queued: the API answers with it, an Idempotency-Key maps to it. */
      runId: string;
      flowId: string;
      /** "try": the admin UI's Try it (POST /sandbox/try), on a sandbox channel only. */
      source: "api" | "webhook" | "schedule" | "tag" | "try";
      /** The version to run (Try it: a draft); absent = the flow's published version when it starts. */
      version?: number;
      address: string;
      phone?: string | null;
      name?: string | null;
      /** Becomes the run's `vars`. */
      input: Record<string, unknown>;
      /** A run already active in the conversation: end it (API) or start nothing (schedule, tag). */
      ifBusy: "replace" | "skip";
    }
  | { kind: "release"; runId: string; note?: string };

/** Settings, opt-outs, trigger requests, schedule firings and flow webhooks. */
export function createTriggerRepo(exec: Executor) {
  const { q } = exec;
  return {
    async setting(key: string): Promise<unknown> {
      const row = await exec.get(q.selectFrom("settings").select("value_json").where("key", "=", key));
      return row ? (JSON.parse(row.value_json) as unknown) : undefined;
    },
    /** Inside `store.write`. */
    async putSetting(key: string, value: unknown, now: number): Promise<void> {
      const json = JSON.stringify(value);
      await exec.run(
        q
          .insertInto("settings")
          .values({ key, value_json: json, updated_at: now })
          .onConflict((oc) => oc.column("key").doUpdateSet({ value_json: json, updated_at: now })),
      );
    },
    /** Inside `store.write`: the contact said STOP (idempotent; keeps the first time). */
    async optOut(contactId: string, keyword: string, now: number): Promise<void> {
      await exec.run(
        q
          .insertInto("contact_opt_outs")
          .values({ contact_id: contactId, keyword, opted_out_at: now })
          .onConflict((oc) => oc.column("contact_id").doNothing()),
      );
    },
    /** Inside `store.write`: the contact said START. */
    async optIn(contactId: string): Promise<void> {
      await exec.run(q.deleteFrom("contact_opt_outs").where("contact_id", "=", contactId));
    },
    async optedOut(contactId: string): Promise<{ keyword: string; at: number } | undefined> {
      const row = await exec
        .statement("optOuts.get", (p) =>
          q
            .selectFrom("contact_opt_outs")
            .select(["keyword", "opted_out_at"])
            .where("contact_id", "=", p("id")),
        )
        .get({ id: contactId });
      return row ? { keyword: row.keyword, at: Number(row.opted_out_at) } : undefined;
    },
    /**
     * Inside `store.write`: the run an Idempotency-Key started, claiming it for `runId` when it is
     * new. Returns the run id the key stands for and whether this call claimed it.
     */
    async claimIdempotencyKey(
      flowId: string,
      key: string,
      runId: string,
      now: number,
    ): Promise<{ runId: string; isNew: boolean }> {
      const { changes } = await exec.run(
        q
          .insertInto("trigger_requests")
          .values({ flow_id: flowId, idempotency_key: key, run_id: runId, created_at: now })
          .onConflict((oc) => oc.columns(["flow_id", "idempotency_key"]).doNothing()),
      );
      if (changes > 0) return { runId, isNew: true };
      const row = await exec.get(
        q
          .selectFrom("trigger_requests")
          .select("run_id")
          .where("flow_id", "=", flowId)
          .where("idempotency_key", "=", key),
      );
      return { runId: row?.run_id ?? runId, isNew: false };
    },
    /** Inside `store.write`: claims a schedule firing; false when another process (or tick) had it. */
    async claimFiring(flowId: string, scheduledAt: number, audience: number, now: number): Promise<boolean> {
      const { changes } = await exec.run(
        q
          .insertInto("schedule_firings")
          .values({ flow_id: flowId, scheduled_at: scheduledAt, fired_at: now, audience })
          .onConflict((oc) => oc.columns(["flow_id", "scheduled_at"]).doNothing()),
      );
      return changes > 0;
    },
    async firings(
      flowId: string,
    ): Promise<Array<{ scheduledAt: number; firedAt: number; audience: number }>> {
      const rows = await exec.all(
        q.selectFrom("schedule_firings").selectAll().where("flow_id", "=", flowId).orderBy("scheduled_at"),
      );
      return rows.map((r) => ({
        scheduledAt: Number(r.scheduled_at),
        firedAt: Number(r.fired_at),
        audience: Number(r.audience),
      }));
    },
    /** Inside `store.write`: a new token for the flow's webhook (its hash; the old one stops working). */
    async setHook(flowId: string, tokenHash: string, now: number): Promise<void> {
      await exec.run(
        q
          .insertInto("flow_hooks")
          .values({ flow_id: flowId, token_hash: tokenHash, created_at: now })
          .onConflict((oc) => oc.column("flow_id").doUpdateSet({ token_hash: tokenHash, created_at: now })),
      );
    },
    async hookHash(flowId: string): Promise<string | undefined> {
      const row = await exec.get(
        q.selectFrom("flow_hooks").select("token_hash").where("flow_id", "=", flowId),
      );
      return row?.token_hash;
    },
    /**
     * Inside `store.write`: the contact of (channel, address) for a conversation Tern begins, made
     * if new (joined by E.164 phone like an inbound message), without touching `last_inbound_at`:
     * the customer has not written, so no reply window opened.
     */
    async ensureIdentity(
      channelId: string,
      address: string,
      phone: string | null,
      name: string | null,
      now: number,
    ): Promise<string> {
      const known = await exec.get(
        q
          .selectFrom("contact_identities")
          .select("contact_id")
          .where("channel_id", "=", channelId)
          .where("address", "=", address),
      );
      if (known) return known.contact_id;
      const e164 = toE164(phone);
      const byPhone = e164
        ? await exec.get(
            q
              .selectFrom("contacts")
              .select("id")
              .where("phone", "=", e164)
              .where((eb) => phoneJoinableFrom(eb, channelId))
              .orderBy("created_at"),
          )
        : undefined;
      const contactId = byPhone?.id ?? newId("ct", now);
      if (!byPhone) {
        await exec.run(
          q
            .insertInto("contacts")
            .values({ id: contactId, phone: e164, name, created_at: now, updated_at: now }),
        );
      }
      await exec.run(
        q.insertInto("contact_identities").values({
          id: newId("ci", now),
          contact_id: contactId,
          channel_id: channelId,
          address,
          created_at: now,
          last_inbound_at: null,
        }),
      );
      return contactId;
    },
    /** The identity a contact last wrote from (else the newest): where Tern begins a conversation. */
    async latestIdentity(contactId: string): Promise<{ channelId: string; address: string } | undefined> {
      const row = await exec.get(
        q
          .selectFrom("contact_identities")
          .select(["channel_id", "address"])
          .where("contact_id", "=", contactId)
          .orderBy(sql`coalesce(last_inbound_at, 0)`, "desc")
          .orderBy("created_at", "desc")
          .limit(1),
      );
      return row ? { channelId: row.channel_id, address: row.address } : undefined;
    },
    async contactsWithTag(tag: string, limit = 10_000): Promise<string[]> {
      const rows = await exec.all(
        q
          .selectFrom("contact_tags")
          .select("contact_id")
          .where("tag", "=", tag)
          .orderBy("contact_id")
          .limit(limit),
      );
      return rows.map((r) => r.contact_id);
    },
    /** The flow of the conversation's most recent run (RESTART without an active run). */
    async lastFlowOf(key: string): Promise<string | undefined> {
      const row = await exec.get(
        q
          .selectFrom("runs")
          .select("flow_id")
          .where("conversation_key", "=", key)
          .orderBy("created_at", "desc")
          .limit(1),
      );
      return row?.flow_id;
    },
    /**
     * Inside `store.write`: queues a control request in the conversation of (channel, address);
     * `uniqueId` makes a repeat a no-op. Returns the conversation key, or null when it was a repeat.
     */
    async enqueue(
      channelId: string,
      address: string,
      request: ControlRequest,
      uniqueId: string,
      now: number,
    ) {
      const key = conversationKey(channelId, address);
      const { changes } = await exec.run(
        q
          .insertInto("inbox")
          .values({
            channel_id: channelId,
            provider_message_id: `${request.kind}:${uniqueId}`,
            conversation_key: key,
            event_json: JSON.stringify(request),
            received_at: now,
            processed_at: null,
          })
          .onConflict((oc) => oc.columns(["channel_id", "provider_message_id"]).doNothing()),
      );
      return changes > 0 ? key : null;
    },
    /** Inside `store.write`, in the conversation's turn: a waiting run's new state (AGENT, release). */
    async replaceWait(state: RunState, now: number): Promise<boolean> {
      const { changes } = await exec.run(
        q
          .updateTable("runs")
          .set({
            state_json: JSON.stringify(state),
            timeout_at: state.wait?.timeoutAt ?? null,
            visits: state.visits,
            updated_at: now,
          })
          .where("id", "=", state.runId)
          .where("status", "=", "waiting"),
      );
      return changes > 0;
    },
  };
}
export type TriggerRepo = ReturnType<typeof createTriggerRepo>;
