import { type QueryCreator, sql } from "kysely";
import { newId } from "../../core/ids.js";
import type { Database } from "../database.js";
import type { Executor, Param } from "../db.js";

/**
 * Kept on an outbound message whose send step has a fallback: a `failed` status for it before
 * `until` queues the fallback in its conversation (inbox-repo.ts applyStatus).
 */
export interface MessageFallback {
  /** The fallback channel as the step names it (name, id or type). */
  channel: string;
  until: number;
  conversationKey: string;
}

/** A message exchanged with a contact, with its delivery status. */
export interface MessageRow {
  id: string;
  channelId: string;
  contactId: string;
  effectKey: string | null;
  direction: "in" | "out";
  text: string;
  status: string;
  providerMessageId: string | null;
  runId: string | null;
  createdAt: number;
  /** Why it failed: the provider's failed status or Tern's definitive send failure, `[{code, title, message?}]`. */
  errors: MessageError[] | null;
}

export interface MessageError {
  code: number | string;
  title: string;
  message?: string;
}

const toMessage = (r: Database["messages"]): MessageRow => ({
  id: r.id,
  channelId: r.channel_id,
  contactId: r.contact_id,
  effectKey: r.effect_key,
  direction: r.direction,
  text: r.text,
  status: r.status,
  providerMessageId: r.provider_message_id,
  runId: r.run_id,
  createdAt: r.created_at,
  errors: r.error_json ? (JSON.parse(r.error_json) as MessageError[]) : null,
});

/** A message row to add (`addMessage`; a send's fresh intent adds its own: effect-repo.ts). */
export interface NewMessage {
  channelId: string;
  contactId: string;
  direction: "in" | "out";
  text: string;
  providerMessageId: string | null;
  effectKey: string | null;
  runId: string | null;
  status: string;
  now: number;
  /** An outbound message with a send step's fallback, should it fail later. */
  fallback?: MessageFallback;
}

/** The named arguments of `insertMessage`. */
export function messageArgs(m: NewMessage): Record<string, unknown> {
  const { fallback, ...row } = m;
  return { id: newId("msg", m.now), ...row, fallbackJson: fallback ? JSON.stringify(fallback) : null };
}

/** Adds a message row, once per effect key. */
export const insertMessage = (qc: QueryCreator<Database>, p: Param) =>
  qc
    .insertInto("messages")
    .values({
      id: p("id"),
      channel_id: p("channelId"),
      contact_id: p("contactId"),
      direction: p("direction"),
      text: p("text"),
      provider_message_id: p("providerMessageId"),
      effect_key: p("effectKey"),
      run_id: p("runId"),
      status: p("status"),
      status_at: null,
      error_json: null,
      created_at: p("now"),
      fallback_json: p("fallbackJson"),
    })
    .onConflict((oc) => oc.column("effect_key").doNothing());

/** The columns a message row gets from `messageSelect` (`INSERT … SELECT` from a data-modifying WITH). */
export const MESSAGE_SELECT_COLUMNS = [
  "id",
  "channel_id",
  "contact_id",
  "direction",
  "text",
  "provider_message_id",
  "effect_key",
  "run_id",
  "status",
  "created_at",
  "fallback_json",
] as const;

/**
 * Their values for a SELECT over a CTE (PostgreSQL): `insertMessage`'s named arguments, cast, or
 * where `refs` names one, a column of the CTE (the contact of the identity touched, the key of
 * the intent recorded): no row, no message.
 */
export const messageSelect = (p: Param, refs: { contact_id?: string; effect_key?: string }) => [
  sql<string>`cast(${p("id")} as text)`.as("id"),
  sql<string>`cast(${p("channelId")} as text)`.as("channel_id"),
  (refs.contact_id
    ? sql<string>`${sql.ref(refs.contact_id)}`
    : sql<string>`cast(${p("contactId")} as text)`
  ).as("contact_id"),
  sql<"in" | "out">`cast(${p("direction")} as text)`.as("direction"),
  sql<string>`cast(${p("text")} as text)`.as("text"),
  sql<string | null>`cast(${p("providerMessageId")} as text)`.as("provider_message_id"),
  (refs.effect_key
    ? sql<string>`${sql.ref(refs.effect_key)}`
    : sql<string>`cast(${p("effectKey")} as text)`
  ).as("effect_key"),
  sql<string | null>`cast(${p("runId")} as text)`.as("run_id"),
  sql<string>`cast(${p("status")} as text)`.as("status"),
  sql<number>`cast(${p("now")} as bigint)`.as("created_at"),
  sql<string | null>`cast(${p("fallbackJson")} as text)`.as("fallback_json"),
];

/** `insertMessage` for the contact of the `touched` identity, in the statement that touched it. */
export const insertMessageForTouched = (
  qc: QueryCreator<Database & { touched: { id: string; contact_id: string } }>,
  p: Param,
) =>
  qc
    .insertInto("messages")
    .columns(MESSAGE_SELECT_COLUMNS)
    .expression((eb) =>
      eb.selectFrom("touched").select(messageSelect(p, { contact_id: "touched.contact_id" })),
    )
    .onConflict((oc) => oc.column("effect_key").doNothing());

/** The messages of contacts: written by the worker and the effects, read by the API and runs. */
export function createContactMessages(exec: Executor) {
  const { q } = exec;
  const s = {
    addMessage: () => exec.statement("messages.insert", (p) => insertMessage(q, p)),
    assignRun: () =>
      exec.statement("messages.assignRun", (p) =>
        q
          .updateTable("messages")
          .set({ run_id: p("runId") })
          .where("effect_key", "=", p("effectKey"))
          .where("run_id", "is", null),
      ),
    byEffectKey: () =>
      exec.statement("messages.byEffectKey", (p) =>
        q.selectFrom("messages").selectAll().where("effect_key", "=", p("effectKey")),
      ),
    ofRun: () =>
      exec.statement("messages.ofRun", (p) =>
        q
          .selectFrom("messages")
          .selectAll()
          .where("run_id", "=", p("runId"))
          .orderBy("created_at")
          .orderBy("id"),
      ),
  };

  return {
    /** Inside `store.write`. Idempotent per effect key. */
    async addMessage(m: NewMessage): Promise<boolean> {
      const { changes } = await s.addMessage().run(messageArgs(m));
      // false: a row with this effect key was there already (written by an earlier attempt).
      return changes > 0;
    },
    /** Inside `store.write`: attributes a stored inbound message to the run that consumed it. */
    async assignRun(effectKey: string, runId: string): Promise<void> {
      await s.assignRun().run({ effectKey, runId });
    },
    /**
     * A contact's newest `limit` messages on every channel, oldest first. The newest: a contact
     * with more than `limit` showed only their first ones, never what was said lately.
     */
    async messages(contactId: string, limit = 200): Promise<MessageRow[]> {
      const rows = await exec.all(
        q
          .selectFrom("messages")
          .selectAll()
          .where("contact_id", "=", contactId)
          .orderBy("created_at", "desc")
          .orderBy("id", "desc")
          .limit(limit),
      );
      return rows.reverse().map(toMessage);
    },
    /** A channel's newest messages, in and out (its recent deliveries), newest first. */
    async recentOnChannel(channelId: string, limit = 20): Promise<MessageRow[]> {
      const rows = await exec.all(
        q
          .selectFrom("messages")
          .selectAll()
          .where("channel_id", "=", channelId)
          .orderBy("created_at", "desc")
          .orderBy("id", "desc")
          .limit(limit),
      );
      return rows.map(toMessage);
    },
    /** The messages of one run, in order (the transcript). */
    async messagesOfRun(runId: string): Promise<MessageRow[]> {
      return (await s.ofRun().all({ runId })).map(toMessage);
    },
    async messageByEffectKey(effectKey: string): Promise<MessageRow | undefined> {
      const r = await s.byEffectKey().get({ effectKey });
      return r ? toMessage(r) : undefined;
    },
  };
}
