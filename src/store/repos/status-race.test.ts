import { describe, expect, it } from "vitest";
import { testDialect } from "../../../test/helpers/dialect.js";
import { usePostgresStoreAndPool } from "../../../test/helpers/pg-jobs.js";
import type { StatusEvent } from "../../channels/channel.js";

/**
 * Two status webhooks about one message, stored at once in two transactions (two group-commit
 * slots, or two processes): WhatsApp posts `sent`, `delivered` and `read` within milliseconds when
 * the chat is open. The status that commits second must not step the message back, nor fall back
 * for a message the first one said was delivered.
 */
describe.skipIf(testDialect !== "postgres")("two statuses of one message stored at once", () => {
  const db = usePostgresStoreAndPool();

  const status = (s: StatusEvent["status"]): StatusEvent => ({
    kind: "status",
    providerMessageId: "wamid.1",
    status: s,
    timestamp: Date.now(),
    recipient: "9",
  });

  /** A sent message (with an SMS fallback while it is not delivered); returns its row id. */
  const sentMessage = async (): Promise<string> => {
    const { store } = db;
    const contact = await store.write((tx) => tx.contacts.upsert("ch_1", "9", null, null, 1_000));
    await store.db.run(
      store.db.q.insertInto("messages").values({
        id: "msg_1",
        channel_id: "ch_1",
        contact_id: contact.id,
        direction: "out",
        text: "Your Lead id is 00Q1",
        provider_message_id: "wamid.1",
        effect_key: "run_1:1:0",
        run_id: "run_1",
        status: "sent",
        status_at: null,
        error_json: null,
        created_at: 1_000,
        fallback_json: JSON.stringify({
          channel: "sms",
          until: Date.now() + 60_000,
          conversationKey: "ch_1:9",
        }),
      }),
    );
    return "msg_1";
  };

  /** `second` is stored while the transaction that applied `first` has not committed yet. */
  const storeWhileHeld = async (first: StatusEvent, second: StatusEvent) => {
    const { store, pool } = db;
    const held = await pool.connect();
    try {
      await held.query("begin");
      // The first webhook's transaction, as applyStatus writes it, not committed yet.
      const answered = first.status === "delivered" || first.status === "read";
      await held.query(
        `update messages set status = $1${answered ? ", fallback_json = null" : ""} where id = 'msg_1'`,
        [first.status],
      );
      const stored = store.write((tx) => tx.inbox.ingest("ch_1", [second], Date.now()), { group: true });
      const deadline = Date.now() + 10_000;
      while (!(await pool.query("select 1 from pg_stat_activity where wait_event_type = 'Lock'")).rowCount) {
        if (Date.now() > deadline) throw new Error("the second status never waited for the first");
        await new Promise((r) => setTimeout(r, 10));
      }
      await held.query("commit");
      await stored;
    } finally {
      held.release();
    }
  };

  const row = async () =>
    db.store.db.get(db.store.db.q.selectFrom("messages").select(["status"]).where("id", "=", "msg_1"));
  const fallbacks = async () =>
    (await db.pool.query("select id from inbox where provider_message_id like 'fallback:%'")).rowCount;

  it("a read committed first stays read when the delivered arrives meanwhile", async () => {
    await sentMessage();
    await storeWhileHeld(status("read"), status("delivered"));
    expect((await row())?.status).toBe("read");
  });

  it("a delivered committed first is not taken back by a failed stored meanwhile, and nothing falls back", async () => {
    await sentMessage();
    await storeWhileHeld(status("delivered"), {
      ...status("failed"),
      errors: [{ code: "131026", title: "Message undeliverable" }],
    });
    // Failed after delivered is recorded (statuses move forward), but the customer has the message.
    expect((await row())?.status).toBe("failed");
    expect(await fallbacks()).toBe(0);
  });
});
