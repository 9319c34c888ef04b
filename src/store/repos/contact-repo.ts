import { sql } from "kysely";
import { newId } from "../../core/ids.js";
import { samePersonPhones, toE164 } from "../../core/phone.js";
import type { Database } from "../database.js";
import type { Executor } from "../db.js";
import { lockContacts } from "./contact-locks.js";
import { createContactMerge } from "./contact-merge.js";
import { createContactMessages } from "./contact-messages.js";
import {
  type Contact,
  type ContactOnChannel,
  type ContactWithTags,
  tagsColumn,
  toContact,
} from "./contact-rows.js";
import { createContactUpsert } from "./contact-upsert.js";
import { applyAttributes, type ContactChange, normalizeTags, parseAttributes } from "./contact-values.js";

export type { MessageFallback, MessageRow } from "./contact-messages.js";
export type { Contact, ContactOnChannel } from "./contact-rows.js";
export type { ContactChange } from "./contact-values.js";

/** A contact's address on one channel. */
export interface ContactIdentity {
  id: string;
  contactId: string;
  channelId: string;
  address: string;
  createdAt: number;
  lastInboundAt: number | null;
}

export interface ContactFilter {
  tag?: string;
  phone?: string;
  channelId?: string;
  limit?: number;
  offset?: number;
  /** Continue after this contact (the order is newest first): a page never shifts under new contacts. */
  after?: { createdAt: number; id: string };
}

const toIdentity = (r: Database["contact_identities"]): ContactIdentity => ({
  id: r.id,
  contactId: r.contact_id,
  channelId: r.channel_id,
  address: r.address,
  createdAt: r.created_at,
  lastInboundAt: r.last_inbound_at,
});

export function createContactRepo(exec: Executor) {
  const { q } = exec;
  const tags = tagsColumn(exec.dialect);
  const s = {
    byId: () =>
      exec.statement("contacts.byId", (p) =>
        q.selectFrom("contacts").selectAll().select(tags).where("id", "=", p("id")),
      ),
    identity: () =>
      exec.statement("contacts.identity", (p) =>
        q
          .selectFrom("contact_identities")
          .selectAll()
          .where("channel_id", "=", p("channelId"))
          .where("address", "=", p("address")),
      ),
  };

  const get = async (id: string): Promise<Contact | undefined> => {
    const r = (await s.byId().get({ id })) as ContactWithTags | undefined;
    return r ? toContact(r) : undefined;
  };
  const messages = createContactMessages(exec);
  const inbound = createContactUpsert(exec, messages.addMessage);
  const { byIdentity, byPhone } = inbound;

  return {
    ...messages,
    ...createContactMerge(exec),
    upsert: inbound.upsert,
    upsertWithMessage: inbound.upsertWithMessage,
    get,
    async identities(contactId: string): Promise<ContactIdentity[]> {
      const rows = await exec.all(
        q
          .selectFrom("contact_identities")
          .selectAll()
          .where("contact_id", "=", contactId)
          .orderBy("created_at"),
      );
      return rows.map(toIdentity);
    },
    /** The contact of a conversation (its identity on the run's channel), or undefined if erased. */
    async onChannel(channelId: string, address: string): Promise<ContactOnChannel | undefined> {
      const row = await byIdentity(channelId, address);
      return row
        ? { ...toContact(row), channelId, address, lastInboundAt: row.identity_inbound_at }
        : undefined;
    },
    /** The id of the contact that owns this identity, if any (one primary-key read). */
    async owner(channelId: string, address: string): Promise<string | undefined> {
      return (await s.identity().get({ channelId, address }))?.contact_id;
    },
    /**
     * The address on `channelId` of the person with one of `phones` (core/phone.ts
     * samePersonPhones), the identity that wrote last: a run started for their phone goes to the
     * conversation they already have there (WhatsApp's 521… of a Mexican mobile, a Brazilian
     * account's 8-digit wa_id), not to a second one their answers never reach.
     */
    async addressByPhone(phones: string[], channelId: string): Promise<string | undefined> {
      if (phones.length === 0) return undefined;
      const row = await exec.get(
        q
          .selectFrom("contact_identities")
          .innerJoin("contacts", "contacts.id", "contact_identities.contact_id")
          .select("contact_identities.address")
          .where("contacts.phone", "in", phones)
          .where("contact_identities.channel_id", "=", channelId)
          .orderBy(sql`coalesce(contact_identities.last_inbound_at, 0)`, "desc")
          .orderBy("contact_identities.created_at", "desc")
          .limit(1),
      );
      return row?.address;
    },
    /** Tags of the contact a message from (channel, address, phone) belongs or would belong to. */
    async tagsFor(channelId: string, address: string, phone: string | null): Promise<string[]> {
      const e164 = toE164(phone);
      const row =
        (await byIdentity(channelId, address)) ?? (e164 ? await byPhone(e164, channelId) : undefined);
      return row ? toContact(row).tags : [];
    },
    /** When this identity last wrote, or null (never, or unknown). For a channel's window rules. */
    async lastInboundAt(channelId: string, address: string): Promise<number | null> {
      return (await s.identity().get({ channelId, address }))?.last_inbound_at ?? null;
    },
    async list(filter: ContactFilter = {}): Promise<Contact[]> {
      let query = q.selectFrom("contacts").selectAll("contacts").select(tags);
      // A Brazilian mobile is found with or without its ninth digit (core/phone.ts).
      if (filter.phone) query = query.where("contacts.phone", "in", samePersonPhones(filter.phone));
      if (filter.tag) {
        const tag = filter.tag;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom("contact_tags")
              .select("contact_tags.tag")
              .whereRef("contact_tags.contact_id", "=", "contacts.id")
              .where("contact_tags.tag", "=", tag),
          ),
        );
      }
      if (filter.channelId) {
        const channelId = filter.channelId;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom("contact_identities")
              .select("contact_identities.id")
              .whereRef("contact_identities.contact_id", "=", "contacts.id")
              .where("contact_identities.channel_id", "=", channelId),
          ),
        );
      }
      const after = filter.after;
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb("contacts.created_at", "<", after.createdAt),
            eb.and([eb("contacts.created_at", "=", after.createdAt), eb("contacts.id", "<", after.id)]),
          ]),
        );
      }
      const rows = await exec.all(
        query
          .orderBy("contacts.created_at", "desc")
          .orderBy("contacts.id", "desc")
          .limit(filter.limit ?? 100)
          .offset(filter.offset ?? 0),
      );
      return rows.map((r) => toContact(r as ContactWithTags));
    },
    /**
     * Inside `store.write`: `address` is another handle of this contact on the channel (WhatsApp's
     * business-scoped user id beside the phone's wa_id), so a later message under it alone finds
     * them. Nothing when the address is already someone's identity.
     */
    async addAlias(contactId: string, channelId: string, address: string, now: number): Promise<void> {
      // From the person's row, still there: on PostgreSQL an erasure holds that row's lock while
      // it deletes their identities (retention-repo.ts), and this waits for it, then adds none.
      const person = q
        .selectFrom("contacts")
        .select([
          sql<string>`${newId("ci", now)}`.as("id"),
          "id as contact_id",
          sql<string>`${channelId}`.as("channel_id"),
          sql<string>`${address}`.as("address"),
          sql<number>`cast(${now} as bigint)`.as("created_at"),
          sql<number | null>`cast(null as bigint)`.as("last_inbound_at"),
        ])
        .where("id", "=", contactId);
      await exec.run(
        q
          .insertInto("contact_identities")
          .columns(["id", "contact_id", "channel_id", "address", "created_at", "last_inbound_at"])
          .expression(exec.dialect === "postgres" ? person.forKeyShare() : person)
          .onConflict((oc) => oc.columns(["channel_id", "address"]).doNothing()),
      );
    },
    /**
     * Inside `store.write`: adds and removes tags, sets attributes (null deletes one) and the name.
     * Idempotent: applying the same change twice leaves the same contact (a replayed step does).
     * Undefined when there is no such contact.
     */
    async change(contactId: string, change: ContactChange, now: number): Promise<Contact | undefined> {
      // PostgreSQL: the row locked before its attributes are read, else two changes at once (two
      // admins' PATCHes, two conversations' contact.set steps) each merged over the attributes
      // read before the other's commit, and one answered 200 with its keys lost.
      if ((await lockContacts(exec, [contactId])).length === 0) return undefined;
      const row = (await s.byId().get({ id: contactId })) as ContactWithTags | undefined;
      if (!row) return undefined;
      const add = normalizeTags(change.addTags);
      const remove = normalizeTags(change.removeTags);
      if (add.length) {
        await exec.run(
          q
            .insertInto("contact_tags")
            .values(add.map((tag) => ({ contact_id: contactId, tag })))
            .onConflict((oc) => oc.columns(["contact_id", "tag"]).doNothing()),
        );
      }
      if (remove.length) {
        await exec.run(
          q.deleteFrom("contact_tags").where("contact_id", "=", contactId).where("tag", "in", remove),
        );
      }
      const attributes = change.attributes
        ? JSON.stringify(applyAttributes(parseAttributes(row.attributes_json), change.attributes))
        : row.attributes_json;
      const name = change.name === undefined ? row.name : change.name;
      await exec.run(
        q
          .updateTable("contacts")
          .set({ attributes_json: attributes, name, updated_at: now })
          .where("id", "=", contactId),
      );
      return get(contactId);
    },
  };
}
export type ContactRepo = ReturnType<typeof createContactRepo>;
