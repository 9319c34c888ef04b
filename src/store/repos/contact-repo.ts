import { newId } from "../../core/ids.js";
import type { Database } from "../database.js";
import type { SqliteStore } from "../sqlite.js";

/** Contacts (one per channel address) and the messages exchanged with them. */
export interface Contact {
  id: string;
  channelId: string;
  address: string;
  phone: string | null;
  name: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface MessageRow {
  id: string;
  direction: "in" | "out";
  text: string;
  status: string;
  providerMessageId: string | null;
  runId: string | null;
  createdAt: number;
}

const toContact = (r: Database["contacts"]): Contact => ({
  id: r.id,
  channelId: r.channel_id,
  address: r.address,
  phone: r.phone,
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toMessage = (r: Database["messages"]): MessageRow => ({
  id: r.id,
  direction: r.direction,
  text: r.text,
  status: r.status,
  providerMessageId: r.provider_message_id,
  runId: r.run_id,
  createdAt: r.created_at,
});

export function createContactRepo(store: SqliteStore) {
  const { q } = store;
  const s = {
    byId: () =>
      store.statement("contacts.byId", (p) => q.selectFrom("contacts").selectAll().where("id", "=", p("id"))),
    byAddress: () =>
      store.statement("contacts.byAddress", (p) =>
        q
          .selectFrom("contacts")
          .selectAll()
          .where("channel_id", "=", p("channelId"))
          .where("address", "=", p("address")),
      ),
    insert: () =>
      store.statement("contacts.insert", (p) =>
        q.insertInto("contacts").values({
          id: p("id"),
          channel_id: p("channelId"),
          address: p("address"),
          phone: p("phone"),
          name: p("name"),
          created_at: p("now"),
          updated_at: p("now"),
        }),
      ),
    update: () =>
      store.statement("contacts.update", (p) =>
        q
          .updateTable("contacts")
          .set({ phone: p("phone"), name: p("name"), updated_at: p("now") })
          .where("id", "=", p("id")),
      ),
    addMessage: () =>
      store.statement("messages.insert", (p) =>
        q
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
          })
          .onConflict((oc) => oc.column("effect_key").doNothing()),
      ),
    markSent: () =>
      store.statement("messages.markSent", (p) =>
        q
          .updateTable("messages")
          .set({ provider_message_id: p("providerMessageId"), status: "sent", status_at: p("now") })
          .where("effect_key", "=", p("effectKey"))
          .where("status", "in", ["pending", "sending"]),
      ),
    markUnknown: () =>
      store.statement("messages.markUnknown", (p) =>
        q
          .updateTable("messages")
          .set({ status: "unknown", status_at: p("now") })
          .where("effect_key", "=", p("effectKey"))
          .where("status", "in", ["pending", "sending"]),
      ),
    assignRun: () =>
      store.statement("messages.assignRun", (p) =>
        q
          .updateTable("messages")
          .set({ run_id: p("runId") })
          .where("effect_key", "=", p("effectKey"))
          .where("run_id", "is", null),
      ),
    byEffectKey: () =>
      store.statement("messages.byEffectKey", (p) =>
        q.selectFrom("messages").selectAll().where("effect_key", "=", p("effectKey")),
      ),
    ofRun: () =>
      store.statement("messages.ofRun", (p) =>
        q
          .selectFrom("messages")
          .selectAll()
          .where("run_id", "=", p("runId"))
          .orderBy("created_at")
          .orderBy("id"),
      ),
  };

  return {
    get(id: string): Contact | undefined {
      const r = s.byId().get({ id });
      return r ? toContact(r) : undefined;
    },
    list(limit = 100, offset = 0): Contact[] {
      return store
        .all(q.selectFrom("contacts").selectAll().orderBy("created_at", "desc").limit(limit).offset(offset))
        .map(toContact);
    },
    /** Inside `store.write`: finds or creates the contact, refreshing phone and name. */
    upsert(
      channelId: string,
      address: string,
      phone: string | null,
      name: string | null,
      now: number,
    ): Contact {
      const existing = s.byAddress().get({ channelId, address });
      if (existing) {
        const next = { ...existing, phone: phone ?? existing.phone, name: name ?? existing.name };
        if (next.phone !== existing.phone || next.name !== existing.name) {
          s.update().run({ id: existing.id, phone: next.phone, name: next.name, now });
        }
        return toContact(next);
      }
      const id = newId("ct", now);
      s.insert().run({ id, channelId, address, phone, name, now });
      return { id, channelId, address, phone, name, createdAt: now, updatedAt: now };
    },
    /** Inside `store.write`. Idempotent per effect key. */
    addMessage(m: {
      channelId: string;
      contactId: string;
      direction: "in" | "out";
      text: string;
      providerMessageId: string | null;
      effectKey: string | null;
      runId: string | null;
      status: string;
      now: number;
    }): void {
      s.addMessage().run({ id: newId("msg", m.now), ...m });
    },
    /** Inside `store.write`: attributes a stored inbound message to the run that consumed it. */
    assignRun(effectKey: string, runId: string): void {
      s.assignRun().run({ effectKey, runId });
    },
    /** Inside `store.write`: an outbound message was accepted by the provider. */
    markSent(effectKey: string, providerMessageId: string, now: number): void {
      s.markSent().run({ effectKey, providerMessageId, now });
    },
    /**
     * Inside `store.write`: the provider may or may not have the message and no status can tell
     * (a channel that echoes nothing); it is not sent again (queue/README.md).
     */
    markUnknown(effectKey: string, now: number): void {
      s.markUnknown().run({ effectKey, now });
    },
    messages(contactId: string, limit = 200): MessageRow[] {
      return store
        .all(
          q
            .selectFrom("messages")
            .selectAll()
            .where("contact_id", "=", contactId)
            .orderBy("created_at")
            .orderBy("id")
            .limit(limit),
        )
        .map(toMessage);
    },
    /** The messages of one run, in order (the transcript). */
    messagesOfRun(runId: string): MessageRow[] {
      return s.ofRun().all({ runId }).map(toMessage);
    },
    messageByEffectKey(effectKey: string): MessageRow | undefined {
      const r = s.byEffectKey().get({ effectKey });
      return r ? toMessage(r) : undefined;
    },
  };
}
export type ContactRepo = ReturnType<typeof createContactRepo>;
