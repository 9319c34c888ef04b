import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDialect } from "../../../test/helpers/dialect.js";
import { openTestStore } from "../../../test/helpers/test-store.js";
import type { InboundMessage } from "../../channels/channel.js";
import type { Store } from "../store.js";
import { conversationKey } from "./inbox-repo.js";

const message = (id: string, from: string): InboundMessage => ({
  kind: "message",
  providerMessageId: id,
  from,
  timestamp: 1,
  content: { type: "text", text: `text of ${id}` },
});

/** How the webhook handler stores a delivery: in a group commit, with its conversations' jobs. */
const deliver = (store: Store, events: InboundMessage[]) =>
  store.write(
    async (tx) => {
      const keys = await tx.inbox.ingest("ch_1", events, Date.now());
      await tx.jobs.conversations(keys);
    },
    { group: true },
  );

/**
 * The inbox on both dialects. On PostgreSQL the messages of a group commit go in one INSERT
 * just before COMMIT; what a user relies on must not change: every message once, in arrival
 * order, redeliveries stored nothing, and (PostgreSQL) one job for each conversation with a new row.
 */
describe("storing webhook deliveries in the inbox", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it("keeps each message once, in arrival order, when many deliveries share one commit", async () => {
    const a = conversationKey("ch_1", "111");
    const b = conversationKey("ch_1", "222");
    // Forty deliveries requested together (one group), two of them redeliveries of earlier ones.
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => deliver(store, [message(`a${i}`, "111")])),
      deliver(store, [message("a3", "111")]),
      ...Array.from({ length: 18 }, (_, i) =>
        deliver(store, [message(`b${i}`, "222"), message(`b${i}x`, "222")]),
      ),
      deliver(store, [message("b0", "222")]),
    ]);
    const texts = async (key: string) =>
      (await store.inbox.pendingItems(key, 100)).map((item) =>
        "message" in item && item.message.content.type === "text" ? item.message.content.text : "",
      );
    expect(await texts(a)).toEqual(Array.from({ length: 20 }, (_, i) => `text of a${i}`));
    expect(await texts(b)).toEqual(
      Array.from({ length: 18 }, (_, i) => [`text of b${i}`, `text of b${i}x`]).flat(),
    );
    expect(await store.inbox.count("ch_1")).toBe(56);
    if (testDialect === "postgres") expect(await store.jobs.due()).toBe(2);
  });

  it("keeps text and ids exactly, whatever characters they hold (PostgreSQL: passed as arrays and a JSON array)", async () => {
    const odd = [
      "NULL",
      '{a,"b"}',
      'back\\slash \\"',
      "it's, é 🚀 \u2028",
      " padded ",
      "nul \u0000 lone \ud800 tab\t",
    ];
    await Promise.all(
      odd.map((text, i) =>
        deliver(store, [{ ...message(`{id,${i}} "NULL"`, "333"), content: { type: "text", text } }]),
      ),
    );
    const items = await store.inbox.pendingItems(conversationKey("ch_1", "333"), 10);
    expect(
      items.map((item) => ("message" in item ? [item.message.providerMessageId, item.message.content] : [])),
    ).toEqual(odd.map((text, i) => [`{id,${i}} "NULL"`, { type: "text", text }]));
  });

  it("stores nothing and enqueues nothing for a redelivery alone", async () => {
    await deliver(store, [message("m1", "111")]);
    if (testDialect === "postgres") {
      // The conversation's job is done: the rows say what is pending, the job only wakes a worker.
      await store.write((tx) => tx.jobs.forgetConversation(conversationKey("ch_1", "111")));
      expect(await store.jobs.due()).toBe(0);
    }
    await deliver(store, [message("m1", "111")]);
    expect(await store.inbox.count("ch_1")).toBe(1);
    if (testDialect === "postgres") expect(await store.jobs.due()).toBe(0);
  });

  it("a watermark marks what was sent to that person before it, on that channel only, never a step down", async () => {
    const contact = await store.write((tx) => tx.contacts.upsert("ch_1", "9", null, null, 1_000));
    const other = await store.write((tx) => tx.contacts.upsert("ch_1", "8", null, null, 1_000));
    const out = (id: string, contactId: string, status: string, createdAt: number, channelId = "ch_1") =>
      store.db.run(
        store.db.q.insertInto("messages").values({
          id,
          channel_id: channelId,
          contact_id: contactId,
          direction: "out",
          text: id,
          provider_message_id: `m_${id}`,
          effect_key: null,
          run_id: null,
          status,
          status_at: null,
          error_json: null,
          created_at: createdAt,
        }),
      );
    await out("early", contact.id, "sent", 2_000);
    await out("failed", contact.id, "failed", 2_100);
    await out("late", contact.id, "sent", 9_000);
    await out("theirs", other.id, "sent", 2_000);
    await out("elsewhere", contact.id, "sent", 2_000, "ch_2");
    const statuses = async () =>
      Object.fromEntries(
        (await store.db.all(store.db.q.selectFrom("messages").select(["id", "status"]))).map((r) => [
          r.id,
          r.status,
        ]),
      );
    const watermark = (status: "delivered" | "read", at: number) =>
      store.write((tx) =>
        tx.inbox.ingest("ch_1", [{ kind: "watermark", status, watermark: at, recipient: "9" }], at),
      );
    await watermark("delivered", 5_000);
    expect(await statuses()).toEqual({
      early: "delivered",
      failed: "failed",
      late: "sent",
      theirs: "sent",
      elsewhere: "sent",
    });
    await watermark("read", 10_000);
    expect(await statuses()).toMatchObject({ early: "read", failed: "failed", late: "read", theirs: "sent" });
    // An older delivery watermark after the read: nothing goes back to delivered.
    await watermark("delivered", 9_500);
    expect(await statuses()).toMatchObject({ early: "read", late: "read" });
  });
});
