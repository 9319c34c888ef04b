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
});
