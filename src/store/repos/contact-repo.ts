import { type QueryCreator, sql } from "kysely";
import { newId } from "../../core/ids.js";
import { samePersonPhones, toE164 } from "../../core/phone.js";
import type { Database } from "../database.js";
import type { Executor, Param } from "../db.js";
import { lockContacts } from "./contact-locks.js";
import { createContactMerge } from "./contact-merge.js";
import { createContactMessages } from "./contact-messages.js";
import { phoneJoinableFrom } from "./contact-side.js";
import { applyAttributes, type ContactChange, normalizeTags, parseAttributes } from "./contact-values.js";
import { lockForTransaction } from "./transaction-lock.js";

export type { MessageFallback, MessageRow } from "./contact-messages.js";
export type { ContactChange } from "./contact-values.js";

/** One person, whatever channels they write on (docs/contacts.md). */
export interface Contact {
  id: string;
  /** E.164; the key that joins a person's identities on channels that reveal it. */
  phone: string | null;
  name: string | null;
  tags: string[];
  attributes: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** A contact's address on one channel. */
export interface ContactIdentity {
  id: string;
  contactId: string;
  channelId: string;
  address: string;
  createdAt: number;
  lastInboundAt: number | null;
}

/** A contact as a run on one channel sees it: sends go to this identity's address. */
export interface ContactOnChannel extends Contact {
  channelId: string;
  address: string;
  /** When Tern last received a message on this identity (its clock), null before the first. */
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

type ContactRow = Omit<Database["contacts"], "attributes_json"> & { attributes_json: string };

const newContact = (qc: QueryCreator<Database>, p: Param) =>
  qc.insertInto("contacts").values({
    id: p("id"),
    phone: p("phone"),
    name: p("name"),
    created_at: p("now"),
    updated_at: p("now"),
  });
const newIdentity = (qc: QueryCreator<Database>, p: Param) =>
  qc.insertInto("contact_identities").values({
    id: p("identityId"),
    contact_id: p("contactId"),
    channel_id: p("channelId"),
    address: p("address"),
    created_at: p("now"),
    last_inbound_at: p("now"),
  });

/** A contact's tags as a JSON array, in the same query as the contact (one round trip, not two). */
const tagsJson = (dialect: Executor["dialect"]) =>
  dialect === "postgres"
    ? sql<string>`(SELECT coalesce(json_agg(t.tag)::text, '[]') FROM contact_tags t WHERE t.contact_id = contacts.id)`
    : sql<string>`(SELECT json_group_array(t.tag) FROM contact_tags t WHERE t.contact_id = contacts.id)`;

type ContactWithTags = ContactRow & { tags_json: string };

const toContact = (r: ContactWithTags): Contact => ({
  id: r.id,
  phone: r.phone,
  name: r.name,
  tags: (JSON.parse(r.tags_json) as string[]).sort(),
  attributes: parseAttributes(r.attributes_json),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Sets an identity's inbound time, returning it (PostgreSQL: the first half of a data-modifying WITH). */
const touchUpdate = (qc: QueryCreator<Database>, p: Param) =>
  qc
    .updateTable("contact_identities")
    .set({ last_inbound_at: p("now") })
    .where("channel_id", "=", p("channelId"))
    .where("address", "=", p("address"))
    .returning(["id", "contact_id"]);

export function createContactRepo(exec: Executor) {
  const { q } = exec;
  const tags = tagsJson(exec.dialect).as("tags_json");
  /** The oldest contact with this phone (either form) that a message on the channel may join. */
  const oldestByPhone = (p: Param) =>
    q
      .selectFrom("contacts")
      .selectAll()
      .select(tags)
      .where("phone", "in", [p("phone"), p("otherForm")])
      .where((eb) => phoneJoinableFrom(eb, p("channelId")))
      .orderBy("id")
      .limit(1);
  const s = {
    byId: () =>
      exec.statement("contacts.byId", (p) =>
        q.selectFrom("contacts").selectAll().select(tags).where("id", "=", p("id")),
      ),
    /** The contact of an identity with the identity's id: the hot path's one read per message. */
    byIdentity: () =>
      exec.statement("contacts.byIdentity", (p) =>
        q
          .selectFrom("contact_identities")
          .innerJoin("contacts", "contacts.id", "contact_identities.contact_id")
          .selectAll("contacts")
          .select(tags)
          .select([
            "contact_identities.id as identity_id",
            "contact_identities.last_inbound_at as identity_inbound_at",
          ])
          .where("contact_identities.channel_id", "=", p("channelId"))
          .where("contact_identities.address", "=", p("address")),
      ),
    identity: () =>
      exec.statement("contacts.identity", (p) =>
        q
          .selectFrom("contact_identities")
          .selectAll()
          .where("channel_id", "=", p("channelId"))
          .where("address", "=", p("address")),
      ),
    oldestByPhone: () => exec.statement("contacts.oldestByPhone", (p) => oldestByPhone(p)),
    // PostgreSQL: a known identity's inbound time set and its contact read in one statement (a
    // data-modifying WITH). The update waits for a concurrent erasure's row lock: an identity
    // erased meanwhile is not found, as if it never wrote.
    touchIdentity: () =>
      exec.statement("contacts.touchIdentity", (p) =>
        q
          .with("touched", (db) => touchUpdate(db, p))
          .selectFrom("touched")
          .innerJoin("contacts", "contacts.id", "touched.contact_id")
          .selectAll("contacts")
          .select(tags)
          .select(["touched.id as identity_id"]),
      ),
    // PostgreSQL, holding the phone's lock: `touchIdentity`, and when that finds no identity,
    // `oldestByPhone` in the same statement (a new person's message: one round trip less).
    touchOrByPhone: () =>
      exec.statement("contacts.touchOrByPhone", (p) =>
        q
          .with("touched", (db) => touchUpdate(db, p))
          .selectNoFrom([
            sql<
              string | null
            >`(select row_to_json(k)::text from (select contacts.*, ${tagsJson(exec.dialect)} as tags_json,
            touched.id as identity_id from touched join contacts on contacts.id = touched.contact_id) k)`.as(
              "known_json",
            ),
            sql<string | null>`case when not exists (select 1 from touched)
            then (select row_to_json(b)::text from (${oldestByPhone(p)}) b) end`.as("by_phone_json"),
          ]),
      ),
    inbound: () =>
      exec.statement("contacts.inbound", (p) =>
        q
          .updateTable("contact_identities")
          .set({ last_inbound_at: p("now") })
          .where("id", "=", p("id")),
      ),
    insertContact: () => exec.statement("contacts.insert", (p) => newContact(q, p)),
    insertIdentity: () => exec.statement("contacts.insertIdentity", (p) => newIdentity(q, p)),
    // PostgreSQL: a new person and their first identity in one statement (a data-modifying WITH,
    // which SQLite has not).
    insertContactWithIdentity: () =>
      exec.statement("contacts.insertWithIdentity", (p) =>
        newIdentity(q.with("added", (db) => newContact(db, p)) as unknown as QueryCreator<Database>, p),
      ),
    refresh: () =>
      exec.statement("contacts.refresh", (p) =>
        q
          .updateTable("contacts")
          .set({ phone: p("phone"), name: p("name"), updated_at: p("now") })
          .where("id", "=", p("id")),
      ),
  };

  const get = async (id: string): Promise<Contact | undefined> => {
    const r = (await s.byId().get({ id })) as ContactWithTags | undefined;
    return r ? toContact(r) : undefined;
  };
  const byIdentity = async (channelId: string, address: string) =>
    (await s.byIdentity().get({ channelId, address })) as
      | (ContactWithTags & { identity_id: string; identity_inbound_at: number | null })
      | undefined;
  /** The oldest contact with this phone that a message on `channelId` may join (contact-side.ts). */
  // A Brazilian mobile with and without its ninth digit is one person (core/phone.ts).
  const otherFormOf = (phone: string) => samePersonPhones(phone)[1] ?? phone;
  const byPhone = async (phone: string, channelId: string) =>
    (await s.oldestByPhone().get({ phone, otherForm: otherFormOf(phone), channelId })) as
      | ContactWithTags
      | undefined;

  /**
   * PostgreSQL: first messages from one phone on two channels arrive in two conversations, hence
   * two transactions at once; both would find no contact with that phone and create one each.
   * A transaction-scoped advisory lock per phone makes the second wait for the first's commit.
   * SQLite runs one write callback at a time (write-batcher.ts), so it needs none.
   */
  const lockPhone = (phone: string): Promise<void> =>
    // One lock for every form of the number, so both forms' first messages are serialized too.
    lockForTransaction(exec, `tern.contact.phone:${[...samePersonPhones(phone)].sort()[0]}`);

  return {
    ...createContactMessages(exec),
    ...createContactMerge(exec),
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
     * Inside `store.write`, with the inbound message: the contact of (channel, address), by its
     * identity; else the contact with the same E.164 phone, which gains this identity; else a new
     * contact. Records the identity's `last_inbound_at` and refreshes phone and name.
     */
    async upsert(
      channelId: string,
      address: string,
      phone: string | null,
      name: string | null,
      now: number,
    ): Promise<ContactOnChannel> {
      const isShared = exec.dialect === "postgres";
      // PostgreSQL: a known identity is touched as it is read (one round trip, not two).
      const touch = async () =>
        (await s.touchIdentity().get({ channelId, address, now })) as
          | (ContactWithTags & { identity_id: string })
          | undefined;
      let known = isShared ? await touch() : await byIdentity(channelId, address);
      // A libphonenumber parse costs tens of µs: a known person whose phone is set needs none.
      const e164 = known?.phone ? null : toE164(phone);
      /** The phone's contact when read with the second look below (PostgreSQL); else read later. */
      let phoneRow: { row: ContactWithTags | undefined } | undefined;
      if (!known && e164 && isShared) {
        await lockPhone(e164);
        // Another transaction may have added this identity while we waited for the lock; if not,
        // the same statement reads the contact that has the phone.
        const again = await s
          .touchOrByPhone()
          .get({ channelId, address, now, phone: e164, otherForm: otherFormOf(e164) });
        known = again?.known_json ? JSON.parse(again.known_json) : undefined;
        phoneRow = { row: again?.by_phone_json ? JSON.parse(again.by_phone_json) : undefined };
      }
      let contact: Contact | undefined;
      if (known) {
        if (!isShared) await s.inbound().run({ id: known.identity_id, now });
        contact = toContact(known);
      } else {
        const row = phoneRow ? phoneRow.row : e164 ? await byPhone(e164, channelId) : undefined;
        const identity = { identityId: newId("ci", now), channelId, address, now };
        // The person gains this identity, unless an erasure deleted them meanwhile: it holds their
        // row's lock while it reads their identities (retention-repo.ts), so one added without
        // that lock could outlive the person and refuse every later message of this address.
        if (row && (await lockContacts(exec, [row.id])).length > 0) {
          contact = toContact(row);
          await s.insertIdentity().run({ ...identity, contactId: contact.id });
        } else {
          const id = newId("ct", now);
          const person = { ...identity, contactId: id, id, phone: e164, name };
          if (exec.dialect === "postgres") await s.insertContactWithIdentity().run(person);
          else {
            await s.insertContact().run(person);
            await s.insertIdentity().run(person);
          }
          contact = { id, phone: e164, name, tags: [], attributes: {}, createdAt: now, updatedAt: now };
        }
      }
      const next = { ...contact, phone: contact.phone ?? e164, name: name ?? contact.name };
      if (next.phone !== contact.phone || next.name !== contact.name) {
        await s.refresh().run({ id: contact.id, phone: next.phone, name: next.name, now });
        next.updatedAt = now;
      }
      return { ...next, channelId, address, lastInboundAt: now };
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
