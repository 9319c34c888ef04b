import { type QueryCreator, sql } from "kysely";
import { newId } from "../../core/ids.js";
import { samePersonPhones, toE164 } from "../../core/phone.js";
import type { Database } from "../database.js";
import type { Executor, Param } from "../db.js";
import { lockContacts } from "./contact-locks.js";
import { insertMessage, insertMessageForTouched, messageArgs, type NewMessage } from "./contact-messages.js";
import {
  type Contact,
  type ContactOnChannel,
  type ContactWithTags,
  tagsColumn,
  toContact,
} from "./contact-rows.js";
import { phoneJoinableFrom } from "./contact-side.js";
import { lockForTransaction } from "./transaction-lock.js";

/** An inbound message stored with the contact it comes from (`upsertWithMessage`). */
export type InboundMessageRow = Omit<NewMessage, "contactId" | "direction" | "fallback">;

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

/** Sets an identity's inbound time, returning it (PostgreSQL: the first half of a data-modifying WITH). */
const touchUpdate = (qc: QueryCreator<Database>, p: Param) =>
  qc
    .updateTable("contact_identities")
    .set({ last_inbound_at: p("now") })
    .where("channel_id", "=", p("channelId"))
    .where("address", "=", p("address"))
    .returning(["id", "contact_id"]);

/** A statement's tables with the `touched` CTE of `touchUpdate`. */
type TouchedDb = Database & { touched: { id: string; contact_id: string } };

/** The message's own arguments, named apart from the contact's (`m…`) in a statement that writes both. */
const messageParam = (p: Param): Param => ((name: string) => p(`m${name}`)) as Param;
const messageParams = (m: InboundMessageRow, contactId: string) =>
  Object.fromEntries(
    Object.entries(messageArgs({ ...m, contactId, direction: "in" })).map(([k, v]) => [`m${k}`, v]),
  );

/**
 * Which contact an inbound message comes from: its identity on the channel, else the contact
 * with the same E.164 phone (which gains this identity), else a new contact. On PostgreSQL the
 * hot cases take one statement each, the message row included where the caller hands it over.
 */
export function createContactUpsert(
  exec: Executor,
  /** The contact repository's `addMessage`, for a message no statement here could store. */
  addMessage: (m: NewMessage) => Promise<boolean>,
) {
  const { q } = exec;
  const tags = tagsColumn(exec.dialect);
  const isShared = exec.dialect === "postgres";
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
  /** A known identity touched, with its contact (the `touched` CTE of the statements below). */
  const touchedContact = (db: QueryCreator<TouchedDb>) =>
    db
      .selectFrom("touched")
      .innerJoin("contacts", "contacts.id", "touched.contact_id")
      .selectAll("contacts")
      .select(tags)
      .select(["touched.id as identity_id"]);
  const s = {
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
    oldestByPhone: () => exec.statement("contacts.oldestByPhone", (p) => oldestByPhone(p)),
    // PostgreSQL: a known identity's inbound time set and its contact read in one statement (a
    // data-modifying WITH). The update waits for a concurrent erasure's row lock: an identity
    // erased meanwhile is not found, as if it never wrote.
    touchIdentity: () =>
      exec.statement("contacts.touchIdentity", (p) =>
        touchedContact(q.with("touched", (db) => touchUpdate(db, p))),
      ),
    // The same, and the message stored for that contact (nothing stored for an unknown identity).
    touchIdentityWithMessage: () =>
      exec.statement("contacts.touchIdentityWithMessage", (p) =>
        touchedContact(
          q
            .with("touched", (db) => touchUpdate(db, p))
            .with("stored", (db) =>
              insertMessageForTouched(db, messageParam(p)).returning("id"),
            ) as unknown as QueryCreator<TouchedDb>,
        ).select(sql<boolean>`exists(select 1 from stored)`.as("message_is_new")),
      ),
    // PostgreSQL, holding the phone's lock: `touchIdentity`, and when that finds no identity,
    // `oldestByPhone` in the same statement (a new person's message: one round trip less).
    touchOrByPhone: () =>
      exec.statement("contacts.touchOrByPhone", (p) =>
        q
          .with("touched", (db) => touchUpdate(db, p))
          .selectNoFrom([
            sql<string | null>`(select row_to_json(k)::text from (${touchedContact(
              q as unknown as QueryCreator<TouchedDb>,
            )}) k)`.as("known_json"),
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
    // The same, and their message.
    insertContactWithIdentityAndMessage: () =>
      exec.statement("contacts.insertWithIdentityAndMessage", (p) =>
        newIdentity(
          q
            .with("added", (db) => newContact(db, p))
            .with("stored", (db) =>
              insertMessage(db as unknown as QueryCreator<Database>, messageParam(p)).returning("id"),
            ) as unknown as QueryCreator<Database>,
          p,
        ).returning(sql<boolean>`exists(select 1 from stored)`.as("message_is_new")),
      ),
    refresh: () =>
      exec.statement("contacts.refresh", (p) =>
        q
          .updateTable("contacts")
          .set({ phone: p("phone"), name: p("name"), updated_at: p("now") })
          .where("id", "=", p("id")),
      ),
  };

  const byIdentity = async (channelId: string, address: string) =>
    (await s.byIdentity().get({ channelId, address })) as
      | (ContactWithTags & { identity_id: string; identity_inbound_at: number | null })
      | undefined;
  // A Brazilian mobile with and without its ninth digit is one person (core/phone.ts).
  const otherFormOf = (phone: string) => samePersonPhones(phone)[1] ?? phone;
  /** The oldest contact with this phone that a message on `channelId` may join (contact-side.ts). */
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

  /** `upsert`; with `message`, stores it too where one statement can (`messageIsNew` then says whether it was). */
  const resolve = async (
    channelId: string,
    address: string,
    phone: string | null,
    name: string | null,
    now: number,
    message?: InboundMessageRow,
  ): Promise<{ contact: ContactOnChannel; messageIsNew?: boolean }> => {
    let messageIsNew: boolean | undefined;
    // PostgreSQL: a known identity is touched as it is read (one round trip, not two), its
    // message stored by the same statement.
    const touch = async () => {
      if (!message) {
        return (await s.touchIdentity().get({ channelId, address, now })) as
          | (ContactWithTags & { identity_id: string })
          | undefined;
      }
      const row = (await s
        .touchIdentityWithMessage()
        .get({ channelId, address, now, ...messageParams(message, "") })) as
        | (ContactWithTags & { identity_id: string; message_is_new: boolean })
        | undefined;
      if (row) messageIsNew = row.message_is_new;
      return row;
    };
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
        if (isShared && message) {
          const added = await s
            .insertContactWithIdentityAndMessage()
            .get({ ...person, ...messageParams(message, id) });
          messageIsNew = added?.message_is_new === true;
        } else if (isShared) await s.insertContactWithIdentity().run(person);
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
    return { contact: { ...next, channelId, address, lastInboundAt: now }, messageIsNew };
  };

  return {
    byIdentity,
    byPhone,
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
      return (await resolve(channelId, address, phone, name, now)).contact;
    },
    /**
     * `upsert` and `addMessage` of the message it came with: on PostgreSQL one statement for a
     * known identity's message, one for a new person's (a round trip less per message). `isNew`
     * as `addMessage`'s: false when a row with its effect key was stored before.
     */
    async upsertWithMessage(
      channelId: string,
      address: string,
      phone: string | null,
      name: string | null,
      now: number,
      message: InboundMessageRow,
    ): Promise<{ contact: ContactOnChannel; isNew: boolean }> {
      const { contact, messageIsNew } = await resolve(channelId, address, phone, name, now, message);
      if (messageIsNew !== undefined) return { contact, isNew: messageIsNew };
      return {
        contact,
        isNew: await addMessage({ ...message, contactId: contact.id, direction: "in" }),
      };
    },
  };
}
