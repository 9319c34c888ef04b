import { newId } from "../../core/ids.js";
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

export function createContactRepo(store: SqliteStore) {
  const { q } = store;
  const toContact = (r: {
    id: string;
    channel_id: string;
    address: string;
    phone: string | null;
    name: string | null;
    created_at: number;
    updated_at: number;
  }): Contact => ({
    id: r.id,
    channelId: r.channel_id,
    address: r.address,
    phone: r.phone,
    name: r.name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  return {
    get(id: string): Contact | undefined {
      const r = store.get(q.selectFrom("contacts").selectAll().where("id", "=", id));
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
      const existing = store.get(
        q
          .selectFrom("contacts")
          .selectAll()
          .where("channel_id", "=", channelId)
          .where("address", "=", address),
      );
      if (existing) {
        if ((phone && phone !== existing.phone) || (name && name !== existing.name)) {
          store.run(
            q
              .updateTable("contacts")
              .set({ phone: phone ?? existing.phone, name: name ?? existing.name, updated_at: now })
              .where("id", "=", existing.id),
          );
        }
        return toContact({ ...existing, phone: phone ?? existing.phone, name: name ?? existing.name });
      }
      const row = {
        id: newId("ct", now),
        channel_id: channelId,
        address,
        phone,
        name,
        created_at: now,
        updated_at: now,
      };
      store.run(q.insertInto("contacts").values(row));
      return toContact(row);
    },
    /** Inside `store.write`. */
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
      store.run(
        q
          .insertInto("messages")
          .values({
            id: newId("msg", m.now),
            channel_id: m.channelId,
            contact_id: m.contactId,
            direction: m.direction,
            text: m.text,
            provider_message_id: m.providerMessageId,
            effect_key: m.effectKey,
            run_id: m.runId,
            status: m.status,
            status_at: null,
            error_json: null,
            created_at: m.now,
          })
          .onConflict((oc) => oc.column("effect_key").doNothing()),
      );
    },
    /** Inside `store.write`: an outbound message was accepted by the provider. */
    markSent(effectKey: string, providerMessageId: string, now: number): void {
      store.run(
        q
          .updateTable("messages")
          .set({ provider_message_id: providerMessageId, status: "sent", status_at: now })
          .where("effect_key", "=", effectKey)
          .where("status", "in", ["pending", "sending"]),
      );
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
        .map((r) => ({
          id: r.id,
          direction: r.direction,
          text: r.text,
          status: r.status,
          providerMessageId: r.provider_message_id,
          runId: r.run_id,
          createdAt: r.created_at,
        }));
    },
    messageByEffectKey(effectKey: string): MessageRow | undefined {
      const r = store.get(q.selectFrom("messages").selectAll().where("effect_key", "=", effectKey));
      return r
        ? {
            id: r.id,
            direction: r.direction,
            text: r.text,
            status: r.status,
            providerMessageId: r.provider_message_id,
            runId: r.run_id,
            createdAt: r.created_at,
          }
        : undefined;
    },
  };
}
export type ContactRepo = ReturnType<typeof createContactRepo>;
