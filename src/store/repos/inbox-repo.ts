import { type QueryCreator, type Selectable, sql } from "kysely";
import type { ChannelEvent, InboundMessage } from "../../channels/channel.js";
import type { Database } from "../database.js";
import type { Executor, Param, PreCommitFlush } from "../db.js";
import { applyStatus, applyWatermark, type FallbackRequest, keepEarlyStatus } from "./delivery-statuses.js";
import { enqueueConversationJobs } from "./job-repo.js";
import { jsonbOf } from "./json-fields.js";
import type { ControlRequest } from "./trigger-repo.js";
import { knockHeldTurns } from "./turn-holders.js";

/**
 * The inbox is the durable queue of inbound messages: unique per channel + provider message id
 * (provider redeliveries are no-ops), processed per conversation in id order.
 */
interface InboxRow {
  id: number;
  channelId: string;
  conversationKey: string;
  receivedAt: number;
}
/** A customer's message, a request to send a failed message again by its fallback, or a trigger's request. */
export type InboxItem =
  | (InboxRow & { message: InboundMessage })
  | (InboxRow & { fallback: FallbackRequest })
  | (InboxRow & { control: ControlRequest });
export type MessageItem = Extract<InboxItem, { message: InboundMessage }>;

export function conversationKey(channelId: string, from: string): string {
  return `${channelId}:${from}`;
}

/** The address part of a conversation key of this channel (`conversationKey`'s inverse). */
export function conversationAddress(channelId: string, key: string): string {
  return key.slice(channelId.length + 1);
}

export function toItem(row: Selectable<Database["inbox"]>): InboxItem {
  const base = {
    id: row.id,
    channelId: row.channel_id,
    conversationKey: row.conversation_key,
    receivedAt: row.received_at,
  };
  const event = JSON.parse(row.event_json) as InboundMessage | FallbackRequest | ControlRequest;
  if (event.kind === "fallback") return { ...base, fallback: event };
  if (event.kind === "trigger" || event.kind === "release") return { ...base, control: event };
  return { ...base, message: event };
}

/** channel id, provider message id, conversation key, event JSON, received at. */
type MessageRow = [string, string, string, string, number];

/** Rows per INSERT: bounds one statement's arrays (a group holds at most 200 deliveries). */
const ROWS_PER_INSERT = 1_000;

/**
 * `ingest`'s pre-commit work on PostgreSQL: the messages of every callback of the transaction in
 * arrival order, one multi-row INSERT per thousand (one round trip where each message cost its
 * own), redeliveries skipped by the unique key, then one job per conversation that got a row.
 */
const insertMessages: PreCommitFlush<MessageRow> = async (tx, rows) => {
  const keys = new Set<string>();
  const knocked = new Set<string>();
  // One statement text whatever the number of rows (five arrays, not six parameters a row):
  // prepared once per connection, and nothing built or compiled per group.
  const insert = tx.statement("inbox.insertMany", (p) =>
    tx.q
      .with("inserted", (db) =>
        db
          .insertInto("inbox")
          .columns(["channel_id", "provider_message_id", "conversation_key", "event_json", "received_at"])
          // In array order: the ids, and so each conversation's order, follow arrival.
          .expression(
            sql`select u.channel_id, u.provider_message_id, u.conversation_key, j.event_json::text, u.received_at
              from unnest(cast(${p("channelIds")} as text[]), cast(${p("providerMessageIds")} as text[]),
                cast(${p("keys")} as text[]), cast(${p("receivedAts")} as bigint[]))
                with ordinality as u(channel_id, provider_message_id, conversation_key, received_at, n)
              join json_array_elements(cast(${p("jsons")} as json)) with ordinality as j(event_json, n)
                on j.n = u.n
              order by u.n`,
          )
          .onConflict((oc) => oc.columns(["channel_id", "provider_message_id"]).doNothing())
          .returning("conversation_key"),
      )
      // A conversation whose turn a job holds is knocked on instead of given a job.
      .with("knocked", (db) =>
        knockHeldTurns(
          db as unknown as QueryCreator<Database>,
          sql<string>`(select conversation_key from inserted)`,
        ),
      )
      .selectFrom("inserted")
      .select([
        "inserted.conversation_key",
        sql<boolean>`exists(select 1 from knocked where knocked.conversation_key = inserted.conversation_key)`.as(
          "is_knocked",
        ),
      ]),
  );
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    const inserted = await insert.all({
      channelIds: chunk.map((r) => r[0]),
      providerMessageIds: chunk.map((r) => r[1]),
      keys: chunk.map((r) => r[2]),
      // The events as one JSON array, joined as they are: each is JSON.stringify's output, and
      // a `json` element keeps its text. As a text[] each was escaped and copied by the driver
      // (its array literal), the largest share of the ingest's garbage at its max.
      jsons: `[${chunk.map((r) => r[3]).join(",")}]`,
      receivedAts: chunk.map((r) => r[4]),
    });
    for (const row of inserted) {
      keys.add(row.conversation_key);
      if (row.is_knocked) knocked.add(row.conversation_key);
    }
  }
  await enqueueConversationJobs(
    tx,
    [...keys].filter((k) => !knocked.has(k)),
  );
};

/** Marks inbox row `id` processed at `now`, if no one did yet (a statement builder). */
export const markProcessedQuery = (qc: QueryCreator<Database>, p: Param) =>
  qc
    .updateTable("inbox")
    .set({ processed_at: p("now") })
    .where("id", "=", p("id"))
    .where("processed_at", "is", null);

export function createInboxRepo(exec: Executor) {
  const { q } = exec;
  return {
    /**
     * Inside `store.write`: stores messages, applies statuses. Returns the keys of conversations
     * with new work. On PostgreSQL inside a transaction, the messages are inserted just before
     * COMMIT, every message of a group commit in one statement, and their conversations' jobs
     * are enqueued from what it inserted: those keys are not returned. A status naming no message
     * and carrying no correlation is kept for a send not settled yet (delivery-statuses.ts).
     */
    async ingest(channelId: string, events: ChannelEvent[], now: number): Promise<string[]> {
      const touched = new Set<string>();
      const rows: MessageRow[] = [];
      for (const event of events) {
        if (event.kind === "status") {
          const applied = await applyStatus(exec, channelId, event, now);
          if (applied?.fallbackIn) touched.add(applied.fallbackIn);
          // With a correlation the message row exists from the send's intent on: none is not Tern's.
          else if (!applied && !event.correlationId) await keepEarlyStatus(exec, channelId, event, now);
          continue;
        }
        if (event.kind === "watermark") {
          await applyWatermark(exec, channelId, event, now);
          continue;
        }
        // A provider that sends no time (Twilio) gives 0: dated when received, as statuses are.
        const json = JSON.stringify(event.timestamp ? event : { ...event, timestamp: now });
        rows.push([channelId, event.providerMessageId, conversationKey(channelId, event.from), json, now]);
      }
      if (rows.length > 0 && exec.beforeCommit) {
        // Each row is its own value (a redelivery in the same group is left to ON CONFLICT).
        exec.beforeCommit("inbox.messages", rows, insertMessages);
        return [...touched];
      }
      for (const [, providerMessageId, key, json] of rows) {
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
          .run({ channelId, providerMessageId, key, json, now });
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
      return row ? toItem(row) : undefined;
    },
    /** The conversation's oldest pending rows in arrival order (a burst of messages, queue/burst.ts). */
    async pendingItems(conversationKey: string, limit: number): Promise<InboxItem[]> {
      const rows = await exec.all(
        q
          .selectFrom("inbox")
          .selectAll()
          .where("conversation_key", "=", conversationKey)
          .where("processed_at", "is", null)
          .orderBy("id")
          .limit(limit),
      );
      return rows.map(toItem);
    },
    async pendingConversations(): Promise<string[]> {
      const rows = await exec.all(
        q.selectFrom("inbox").select("conversation_key").where("processed_at", "is", null).distinct(),
      );
      return rows.map((r) => r.conversation_key);
    },
    /**
     * PostgreSQL: conversations with a message pending since before `before`, oldest first, except
     * those whose run waits for a paused connection (their messages wait for its retry on purpose).
     * Whether a job is on its way for them is the caller's question (`jobs.conversationsWithJobs`).
     */
    async pendingSince(before: number, limit: number): Promise<string[]> {
      if (exec.dialect !== "postgres") return [];
      const rows = await exec.all(
        q
          .selectFrom("inbox")
          .select("conversation_key")
          .where("processed_at", "is", null)
          .where("received_at", "<", before)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom("runs")
                  .select("runs.id")
                  .whereRef("runs.conversation_key", "=", "inbox.conversation_key")
                  .where("runs.status", "=", "waiting")
                  .where(sql<boolean>`${jsonbOf("runs.state_json")} #>> '{wait,for}' = 'retry'`),
              ),
            ),
          )
          .groupBy("conversation_key")
          .orderBy(sql`min(inbox.id)`)
          .limit(limit),
      );
      return rows.map((r) => r.conversation_key);
    },
    /** Inside `store.write`. False when it was already processed. */
    async markProcessed(id: number, now: number): Promise<boolean> {
      return (
        (await exec.statement("inbox.markProcessed", (p) => markProcessedQuery(q, p)).run({ id, now }))
          .changes > 0
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
