import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore } from "../../../test/helpers/test-store.js";
import { createEngine } from "../../flows/engine.js";
import type { Flow } from "../../flows/schema.js";
import { eraseContact } from "../../queue/erasure.js";
import type { Store } from "../store.js";

/** One contact per person: identities per channel address, joined by E.164 phone. Both dialects. */
describe("contact repository", () => {
  let store: Store;
  let now = 1_700_000_000_000;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const inbound = (channelId: string, address: string, phone: string | null, name: string | null = null) =>
    store.write((tx) => tx.contacts.upsert(channelId, address, phone, name, ++now));

  const flow = { steps: [{ id: "hello", type: "send", text: "Hi" }] } as unknown as Flow;
  const runFor = async (id: string, contactId: string, channelId: string, address: string) => {
    await store.write(async (tx) => {
      await tx.runs.insert({
        id,
        flowId: "flow_1",
        flowVersion: 1,
        channelId,
        contactId,
        conversationKey: `${channelId}:${address}`,
        status: "waiting",
        state: createEngine().newRun(id, flow, 1, "flow_1"),
        timeoutAt: null,
        createdAt: now,
      });
      await tx.contacts.addMessage({
        channelId,
        contactId,
        direction: "in",
        text: `hello from ${address}`,
        providerMessageId: `p-${id}`,
        effectKey: `in:${id}`,
        runId: id,
        status: "received",
        now,
      });
    });
  };

  it("finds a known identity again and records when it last wrote", async () => {
    const first = await inbound("ch_wa", "4915100000001", "+4915100000001", "Ada");
    const again = await inbound("ch_wa", "4915100000001", "+4915100000001", null);
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({ channelId: "ch_wa", address: "4915100000001", name: "Ada" });
    expect(await store.contacts.lastInboundAt("ch_wa", "4915100000001")).toBe(now);
    expect(await store.contacts.lastInboundAt("ch_wa", "nobody")).toBeNull();
  });

  it("joins a new channel's identity to the contact with the same phone, whatever form the channel wrote it in", async () => {
    const wa = await inbound("ch_wa", "4915100000002", "+4915100000002", "Ada");
    await store.write((tx) =>
      tx.contacts.change(wa.id, { addTags: ["vip"], attributes: { plan: "gold" } }, ++now),
    );
    const sms = await inbound("ch_sms", "+49 151 00000002", "0049 151 00000002");
    expect(sms.id).toBe(wa.id);
    expect(sms).toMatchObject({ channelId: "ch_sms", address: "+49 151 00000002", phone: "+4915100000002" });
    // The person as stored, tags and attributes included, whichever way the join read them.
    expect(sms).toEqual({
      ...(await store.contacts.get(wa.id)),
      channelId: "ch_sms",
      address: "+49 151 00000002",
      lastInboundAt: now,
    });
    const identities = await store.contacts.identities(wa.id);
    expect(identities.map((i) => i.channelId).sort()).toEqual(["ch_sms", "ch_wa"]);
    expect((await store.contacts.list()).length).toBe(1);
  });

  it("joins a Mexican mobile WhatsApp names +52 1 … to the SMS contact of the same number (+52 …)", async () => {
    // WhatsApp's wa_id keeps the "1" Mexico dropped in 2019; Twilio gives the number as dialled today.
    const wa = await inbound("ch_wa", "5215512345678", "+5215512345678", "José");
    const sms = await inbound("ch_sms", "+525512345678", "+525512345678");
    expect(sms.id).toBe(wa.id);
    expect(wa.phone).toBe("+525512345678");
    expect((await store.contacts.list()).length).toBe(1);
  });

  it("stores an inbound message with its contact, once per effect key: a new person, a known identity, one joined by phone", async () => {
    const receive = (channelId: string, address: string, phone: string | null, key: string, at = ++now) =>
      store.write((tx) =>
        tx.contacts.upsertWithMessage(channelId, address, phone, "Ada", at, {
          channelId,
          text: `text ${key}`,
          providerMessageId: `p-${key}`,
          effectKey: `in:${key}`,
          runId: null,
          status: "received",
          now: at - 5, // a burst's message keeps its own time
        }),
      );
    const first = await receive("ch_wa", "4915100000077", "+4915100000077", "m1");
    expect(first.isNew).toBe(true);
    expect(first.contact).toMatchObject({
      channelId: "ch_wa",
      phone: "+4915100000077",
      name: "Ada",
      lastInboundAt: now,
    });
    const again = await receive("ch_wa", "4915100000077", "+4915100000077", "m2");
    expect(again).toEqual({ contact: { ...first.contact, lastInboundAt: now }, isNew: true });
    // A redelivered message (its effect key stored by an earlier attempt) is not stored twice.
    expect((await receive("ch_wa", "4915100000077", "+4915100000077", "m2")).isNew).toBe(false);
    const joined = await receive("ch_sms", "+4915100000077", "+4915100000077", "m3");
    expect(joined).toMatchObject({ contact: { id: first.contact.id, channelId: "ch_sms" }, isNew: true });
    const stored = await store.contacts.messages(first.contact.id);
    expect(stored.map((m) => [m.channelId, m.text, m.direction, m.effectKey])).toEqual([
      ["ch_wa", "text m1", "in", "in:m1"],
      ["ch_wa", "text m2", "in", "in:m2"],
      ["ch_sms", "text m3", "in", "in:m3"],
    ]);
    expect(stored[0]?.createdAt).toBe((first.contact.lastInboundAt ?? 0) - 5);
  });

  it("creates a new contact when the channel reveals no phone, or another one", async () => {
    const wa = await inbound("ch_wa", "4915100000003", "+4915100000003");
    const telegram = await inbound("ch_tg", "777001", null);
    const other = await inbound("ch_sms", "+4915100000004", "+4915100000004");
    expect(new Set([wa.id, telegram.id, other.id]).size).toBe(3);
    expect(telegram.phone).toBeNull();
  });

  it("creates one contact when first messages from one phone arrive on two channels at once", async () => {
    const phones = Array.from({ length: 8 }, (_, i) => `+49151000001${String(i).padStart(2, "0")}`);
    const results = await Promise.all(
      phones.flatMap((phone) => [
        inbound("ch_wa", phone.slice(1), phone),
        inbound("ch_sms", phone, phone),
        inbound("ch_wa2", phone.slice(1), phone),
      ]),
    );
    for (const phone of phones) {
      const ids = new Set(results.filter((c) => c.phone === phone).map((c) => c.id));
      expect(ids.size, phone).toBe(1);
      const [id] = [...ids];
      expect((await store.contacts.identities(id!)).length).toBe(3);
    }
    expect((await store.contacts.list({ limit: 500 })).length).toBe(phones.length);
  });

  it("attribute changes made at once all last (PostgreSQL: each read them before the others' commits)", async () => {
    const c = await inbound("ch_wa", "4915100000006", "+4915100000006");
    // Found by an outside audit: 20 PATCHes of one contact, each one attribute, kept 3.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.write((tx) => tx.contacts.change(c.id, { attributes: { [`a${i}`]: i } }, ++now)),
      ),
    );
    const after = await store.contacts.get(c.id);
    expect(Object.keys(after?.attributes ?? {}).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `a${i}`).sort(),
    );
  });

  it("adds and removes tags and sets attributes idempotently; null deletes an attribute", async () => {
    const c = await inbound("ch_wa", "4915100000005", "+4915100000005");
    const change = { addTags: ["vip", "lead:hot", "vip"], attributes: { plan: "pro", seats: 3 } };
    await store.write((tx) => tx.contacts.change(c.id, change, ++now));
    const twice = await store.write((tx) => tx.contacts.change(c.id, change, ++now));
    expect(twice).toMatchObject({ tags: ["lead:hot", "vip"], attributes: { plan: "pro", seats: 3 } });
    const after = await store.write((tx) =>
      tx.contacts.change(c.id, { removeTags: ["lead:hot", "absent"], attributes: { plan: null } }, ++now),
    );
    expect(after).toMatchObject({ tags: ["vip"], attributes: { seats: 3 } });
    expect(await store.write((tx) => tx.contacts.change("ct_missing", change, now))).toBeUndefined();
    // Seen through any of the person's identities.
    await inbound("ch_sms", "+4915100000005", "+4915100000005");
    expect(await store.contacts.tagsFor("ch_sms", "+4915100000005", null)).toEqual(["vip"]);
    expect((await store.contacts.onChannel("ch_sms", "+4915100000005"))?.tags).toEqual(["vip"]);
    // A first message from a known phone on a new channel: the tags it would join.
    expect(await store.contacts.tagsFor("ch_new", "x", "+4915100000005")).toEqual(["vip"]);
  });

  it("lists by tag, phone and channel", async () => {
    const a = await inbound("ch_wa", "4915100000006", "+4915100000006");
    const b = await inbound("ch_sms", "+4915100000007", "+4915100000007");
    await store.write((tx) => tx.contacts.change(a.id, { addTags: ["vip"] }, ++now));
    const ids = async (filter: Parameters<Store["contacts"]["list"]>[0]) =>
      (await store.contacts.list(filter)).map((c) => c.id);
    expect(await ids({ tag: "vip" })).toEqual([a.id]);
    expect(await ids({ phone: "+4915100000007" })).toEqual([b.id]);
    expect(await ids({ channelId: "ch_sms" })).toEqual([b.id]);
    expect(await ids({ limit: 1 })).toEqual([b.id]);
    expect(await ids({ limit: 1, offset: 1 })).toEqual([a.id]);
  });

  it("lists a contact's newest messages, oldest first, when they have more than the limit (found by an outside audit)", async () => {
    const c = await inbound("ch_wa", "4915100000020", "+4915100000020");
    await store.write(async (tx) => {
      for (let i = 1; i <= 205; i++)
        await tx.contacts.addMessage({
          channelId: "ch_wa",
          contactId: c.id,
          direction: i % 2 ? "in" : "out",
          text: `m${i}`,
          providerMessageId: `p-m${i}`,
          effectKey: `in:m${i}`,
          runId: null,
          status: "received",
          now: ++now,
        });
    });
    const texts = (await store.contacts.messages(c.id)).map((m) => m.text);
    // The first 200 showed before: what the person said lately was never listed.
    expect(texts).toHaveLength(200);
    expect([texts[0], texts.at(-1)]).toEqual(["m6", "m205"]);
  });

  it("merges identities, messages, runs, tags (union) and attributes (the target's win) in one commit", async () => {
    const into = await inbound("ch_wa", "4915100000008", "+4915100000008", "Ada");
    const from = await inbound("ch_tg", "555", null, "Ada L.");
    await runFor("run_into", into.id, "ch_wa", "4915100000008");
    await runFor("run_from", from.id, "ch_tg", "555");
    await store.write(async (tx) => {
      await tx.contacts.change(into.id, { addTags: ["vip"], attributes: { plan: "pro" } }, ++now);
      await tx.contacts.change(
        from.id,
        { addTags: ["support"], attributes: { plan: "free", city: "Oslo" } },
        ++now,
      );
    });

    expect(await store.write((tx) => tx.contacts.merge(into.id, from.id, ++now))).toEqual({
      status: "merged",
    });

    expect(await store.contacts.get(from.id)).toBeUndefined();
    expect(await store.contacts.get(into.id)).toMatchObject({
      name: "Ada",
      phone: "+4915100000008",
      tags: ["support", "vip"],
      attributes: { plan: "pro", city: "Oslo" },
    });
    expect((await store.contacts.identities(into.id)).map((i) => i.channelId).sort()).toEqual([
      "ch_tg",
      "ch_wa",
    ]);
    expect((await store.contacts.messages(into.id)).map((m) => m.text).sort()).toEqual([
      "hello from 4915100000008",
      "hello from 555",
    ]);
    expect((await store.runs.get("run_from"))?.contactId).toBe(into.id);
    expect((await store.contacts.onChannel("ch_tg", "555"))?.id).toBe(into.id);
    // Unknown ids change nothing.
    expect(await store.write((tx) => tx.contacts.merge(into.id, from.id, ++now))).toEqual({
      status: "missing",
      id: from.id,
    });
  });

  /**
   * A merge and an erasure of its target, each holding its transaction open while the other
   * starts. On PostgreSQL both lock the contacts first (contact-locks.ts): without that, the merge
   * read a target the erasure was deleting, or the erasure missed what the merge moved in.
   */
  describe("a merge and an erasure of its target at the same moment", () => {
    const held = () => {
      let release = (): void => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return { gate, release };
    };
    const pair = async (n: number) => {
      const into = await inbound("ch_wa", `49151000003${n}0`, `+49151000003${n}0`, "Ada");
      const from = await inbound("ch_tg", `7${n}0`, null, "Ada L.");
      await runFor(`run_into_${n}`, into.id, "ch_wa", `49151000003${n}0`);
      await runFor(`run_from_${n}`, from.id, "ch_tg", `7${n}0`);
      return { into, from };
    };

    it("the erasure first: the merge then finds no target and leaves `from` whole", async () => {
      const { into, from } = await pair(1);
      const { gate, release } = held();
      const erasing = store.write(async (tx) => {
        const erased = await tx.retention.eraseContact(into.id, ++now);
        await gate;
        return erased;
      });
      await new Promise((r) => setTimeout(r, 100));
      const merging = store.write((tx) => tx.contacts.merge(into.id, from.id, ++now));
      await new Promise((r) => setTimeout(r, 300));
      release();
      expect(await erasing).toBe(true);
      expect(await merging).toEqual({ status: "missing", id: into.id });
      expect(await store.contacts.get(from.id)).toMatchObject({ name: "Ada L." });
      expect((await store.contacts.onChannel("ch_tg", "710"))?.id).toBe(from.id);
      expect((await store.runs.get("run_from_1"))?.contactId).toBe(from.id);
      expect((await store.contacts.messages(from.id)).map((m) => m.text)).toEqual(["hello from 710"]);
    });

    it("the merge first: the erasure then takes what the merge moved in too", async () => {
      const { into, from } = await pair(2);
      const { gate, release } = held();
      const merging = store.write(async (tx) => {
        const merged = await tx.contacts.merge(into.id, from.id, ++now);
        await gate;
        return merged;
      });
      await new Promise((r) => setTimeout(r, 100));
      const erasing = store.write((tx) => tx.retention.eraseContact(into.id, ++now));
      await new Promise((r) => setTimeout(r, 300));
      release();
      expect(await merging).toEqual({ status: "merged" });
      expect(await erasing).toBe(true);
      for (const id of [into.id, from.id]) {
        expect(await store.contacts.get(id)).toBeUndefined();
        expect(await store.contacts.messages(id)).toEqual([]);
      }
      expect(await store.contacts.onChannel("ch_tg", "720")).toBeUndefined();
      expect(await store.contacts.onChannel("ch_wa", "4915100000320")).toBeUndefined();
      expect(await store.runs.get("run_from_2")).toBeUndefined();
    });
  });

  it("erases the person's first message on a channel where their number is nobody's identity yet, still waiting in the inbox", async () => {
    const c = await inbound("ch_wa", "4915100000011", "+4915100000011");
    const pending = (channelId: string, from: string, id: string) =>
      store.write((tx) =>
        tx.inbox.ingest(
          channelId,
          [
            {
              kind: "message",
              providerMessageId: id,
              from,
              timestamp: now,
              content: { type: "text", text: `hi ${id}` },
            },
          ],
          ++now,
        ),
      );
    await pending("ch_sms", "+4915100000011", "sms-1");
    await pending("ch_vonage", "4915100000011", "vonage-1");
    await pending("ch_wa", "4915100000011", "wa-1"); // the identity's own: its erasure takes it
    await pending("ch_sms", "+49151000000119", "sms-other"); // another number that starts alike

    await eraseContact(
      { store, clock: { now: () => ++now }, isJobs: false, exclusive: (_key, fn) => fn() },
      c.id,
    );
    for (const key of ["ch_sms:+4915100000011", "ch_vonage:4915100000011", "ch_wa:4915100000011"])
      expect(await store.inbox.nextPending(key), key).toBeUndefined();
    expect(await store.inbox.nextPending("ch_sms:+49151000000119")).toBeDefined();
  });

  it("erases a person with every identity: no message, run, identity or tag is left", async () => {
    const c = await inbound("ch_wa", "4915100000009", "+4915100000009");
    await inbound("ch_sms", "+4915100000009", "+4915100000009");
    await runFor("run_wa", c.id, "ch_wa", "4915100000009");
    await runFor("run_sms", c.id, "ch_sms", "+4915100000009");
    await store.write((tx) => tx.contacts.change(c.id, { addTags: ["vip"] }, ++now));
    const other = await inbound("ch_wa", "4915100000010", "+4915100000010");
    await runFor("run_other", other.id, "ch_wa", "4915100000010");

    // One identity in its turn, then the rest of the person.
    expect(
      await store.write((tx) => tx.retention.eraseIdentity(c.id, "ch_sms", "+4915100000009", ++now)),
    ).toBe(true);
    expect(await store.runs.get("run_sms")).toBeUndefined();
    expect((await store.contacts.identities(c.id)).map((i) => i.channelId)).toEqual(["ch_wa"]);
    expect(await store.write((tx) => tx.retention.eraseContact(c.id, ++now))).toBe(true);

    expect(await store.contacts.get(c.id)).toBeUndefined();
    expect(await store.contacts.identities(c.id)).toEqual([]);
    expect(await store.contacts.messages(c.id)).toEqual([]);
    expect(await store.runs.get("run_wa")).toBeUndefined();
    expect(await store.contacts.list({ tag: "vip" })).toEqual([]);
    expect(await store.contacts.lastInboundAt("ch_wa", "4915100000009")).toBeNull();
    // Everyone else's stays.
    expect(await store.runs.get("run_other")).toBeDefined();
    expect((await store.contacts.messages(other.id)).length).toBe(1);
  });
});
