import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDialect } from "../../../test/helpers/dialect.js";
import { openTestStore } from "../../../test/helpers/test-store.js";
import type { Store } from "../store.js";
import { conversationKey } from "./inbox-repo.js";
import { TURN_STALE_MS } from "./turn-repo.js";

/** A conversation's turn: one job at a time per conversation, across every process. */
describe.skipIf(testDialect !== "postgres")("conversation turns (PostgreSQL)", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const take = (key: string, holder: string) => store.turns.take(key, holder);
  const release = (key: string, holder: string) => store.turns.release(key, holder);
  const runner = (id: string) =>
    store.db.write((x) =>
      x.run(
        x.q
          .insertInto("job_workers")
          .values({ worker_id: id, process: "test", started_at: Date.now(), heartbeat_at: Date.now() }),
      ),
    );

  it("gives a turn to one holder at a time, again to the same holder, and to the next once released", async () => {
    await runner("pool-a");
    await runner("pool-b");
    expect(await take("ch:1", "pool-a/1")).toBe(true);
    expect(await take("ch:1", "pool-b/1")).toBe(false);
    expect(await take("ch:1", "pool-a/2")).toBe(false); // another job of the same runner
    expect(await take("ch:2", "pool-b/1")).toBe(true); // other conversations are free
    expect(await take("ch:1", "pool-a/1")).toBe(true); // renewal
    expect(await release("ch:1", "pool-b/1")).toBe(false); // not the holder: changes nothing
    expect(await take("ch:1", "pool-b/1")).toBe(false);
    expect(await release("ch:1", "pool-a/1")).toBe(false); // nobody knocked
    expect(await take("ch:1", "pool-b/1")).toBe(true);
  });

  it("tells the holder, as it releases, that a job knocked meanwhile; a renewal keeps the knock", async () => {
    await runner("pool-a");
    expect(await store.turns.knock("ch:k")).toBe(false); // nobody holds it: take it instead
    expect(await take("ch:k", "pool-a/1")).toBe(true);
    expect(await take("ch:k", "pool-a/2")).toBe(false);
    expect(await store.turns.knock("ch:k")).toBe(true);
    expect(await take("ch:k", "pool-a/1")).toBe(true); // renewal
    expect(await release("ch:k", "pool-a/1")).toBe(true);
    // The next holder starts without the knock.
    expect(await take("ch:k", "pool-a/2")).toBe(true);
    expect(await release("ch:k", "pool-a/2")).toBe(false);
  });

  it("gives the turn up when idle only: never while a message of the conversation is pending, nor for another holder", async () => {
    await runner("pool-a");
    const key = conversationKey("ch_1", "111");
    const other = conversationKey("ch_1", "222");
    const deliver = (from: string, id: string) =>
      store.write((tx) =>
        tx.inbox.ingest(
          "ch_1",
          [
            {
              kind: "message",
              providerMessageId: id,
              from,
              timestamp: 1,
              content: { type: "text", text: id },
            },
          ],
          Date.now(),
        ),
      );
    await deliver("111", "m1");
    await deliver("222", "m2"); // another conversation's pending row does not count
    expect(await take(key, "pool-a/1")).toBe(true);
    const item = await store.inbox.nextPending(key);
    // Not released: the same statement read what the holder goes on to (no run yet).
    expect(await store.turns.releaseIfIdle(key, "pool-a/1")).toEqual({
      released: false,
      wanted: false,
      quieted: false,
      peek: { run: undefined, item },
    });
    expect(await take(key, "pool-a/2")).toBe(false); // still held
    await store.write((tx) => tx.inbox.markProcessed(item?.id ?? -1, Date.now()));
    expect(await store.turns.releaseIfIdle(key, "pool-a/2")).toEqual({
      released: false,
      wanted: false,
      quieted: false,
      peek: null,
    });
    expect(await store.turns.knock(key)).toBe(true);
    expect(await store.turns.releaseIfIdle(key, "pool-a/1")).toEqual({
      released: true,
      wanted: true,
      quieted: false,
      peek: null,
    });
    expect(await take(key, "pool-a/2")).toBe(true); // free again
    expect(await store.inbox.nextPending(other)).toBeDefined();
  });

  /** A delivery as the webhook handler stores it: a group commit with its conversations' jobs. */
  const receive = (messages: Array<[from: string, id: string]>) =>
    store.write(
      async (tx) => {
        const events = messages.map(([from, id]) => ({
          kind: "message" as const,
          providerMessageId: id,
          from,
          timestamp: 1,
          content: { type: "text" as const, text: id },
        }));
        await tx.jobs.conversations(await tx.inbox.ingest("ch_1", events, Date.now()));
      },
      { group: true },
    );

  it("a message whose conversation's turn a live job holds knocks on it instead of getting a job; others get one", async () => {
    await runner("pool-a");
    const held = conversationKey("ch_1", "333");
    const orphaned = conversationKey("ch_1", "444");
    const free = conversationKey("ch_1", "555");
    expect(await take(held, "pool-a/1")).toBe(true);
    expect(await take(orphaned, "pool-gone/1")).toBe(true); // its runner is gone: nobody will look
    await receive([
      ["333", "m3"],
      ["444", "m4"],
      ["555", "m5"],
    ]);
    expect(await store.jobs.conversationsWithJobs([held, orphaned, free])).toEqual(new Set([orphaned, free]));
    // The holder is told as it gives the turn up, and looks again.
    expect(await release(held, "pool-a/1")).toBe(true);
  });

  it("a holder that goes on to a pending message has its knock cleared: its later look covers it", async () => {
    await runner("pool-a");
    const key = conversationKey("ch_1", "666");
    expect(await take(key, "pool-a/1")).toBe(true);
    await receive([["666", "m6"]]);
    expect(await store.turns.releaseIfIdle(key, "pool-a/1")).toMatchObject({
      released: false,
      wanted: false,
      quieted: true,
      peek: { item: { conversationKey: key } },
    });
    const item = await store.inbox.nextPending(key);
    await store.write((tx) => tx.inbox.markProcessed(item?.id ?? -1, Date.now()));
    // Nothing came since it went on: no look for work after the release.
    expect(await store.turns.releaseIfIdle(key, "pool-a/1")).toEqual({
      released: true,
      wanted: false,
      quieted: false,
      peek: null,
    });
  });

  it("reads with the turn what the job needs first: the active run, the oldest pending row, and with no run the published flows in the router's order", async () => {
    await runner("pool-a");
    const key = conversationKey("ch_1", "777");
    const definition = { schema: "tern.flow/v1", name: "f", trigger: { type: "message" }, steps: [] };
    await store.write(async (tx) => {
      for (const [id, publishedAt] of [
        ["flow_a", 20],
        ["flow_b", 30],
        ["flow_c", 20],
      ] as const) {
        await tx.flows.create(id, id, definition, 10);
        await tx.flows.publish(id, 1, publishedAt);
      }
      await tx.flows.create("flow_draft", "draft", definition, 10); // never published: not offered
    });
    await receive([
      ["777", "m7"],
      ["777", "m8"],
    ]);
    const first = await store.inbox.nextPending(key);
    const taken = await store.turns.takeAndPeek(key, "pool-a/1");
    expect(taken).toEqual({
      taken: true,
      peek: { run: undefined, item: first, published: await store.flows.published() },
    });
    // The most recently published first; ties by id (what `flows.published` answers).
    expect(taken.taken && taken.peek?.published?.map((f) => f.id)).toEqual(["flow_b", "flow_a", "flow_c"]);
    expect(await store.turns.release(key, "pool-a/1")).toBe(false);

    // With a run waiting, the router is not asked: no flows read.
    await store.write((tx) =>
      tx.runs.insert({
        id: "run_777",
        flowId: "flow_a",
        flowVersion: 1,
        channelId: "ch_1",
        contactId: "ct_777",
        conversationKey: key,
        status: "waiting",
        state: {
          runId: "run_777",
          flowId: "flow_a",
          flowVersion: 1,
          status: "waiting",
          cursor: null,
          visits: 1,
          vars: {},
          steps: {},
          wait: { stepId: "ask", visit: 1, for: "reply", timeoutAt: null },
          error: null,
        },
        timeoutAt: null,
        createdAt: 1,
      }),
    );
    const again = await store.turns.takeAndPeek(key, "pool-a/2");
    expect(again).toEqual({
      taken: true,
      peek: { run: await store.runs.activeFor(key), item: first },
    });
  });

  it("many holders racing for one turn: exactly one gets it", async () => {
    await runner("pool-a");
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => take("ch:race", `pool-a/${i}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("frees the turn of a holder whose runner is gone from job_workers, or that went unrenewed too long", async () => {
    await runner("pool-live");
    expect(await take("ch:dead", "pool-gone/1")).toBe(true); // its runner never registered, or was reaped
    expect(await take("ch:dead", "pool-live/1")).toBe(true);

    expect(await take("ch:stale", "pool-live/2")).toBe(true);
    await runner("pool-other");
    expect(await take("ch:stale", "pool-other/1")).toBe(false);
    await store.db.write((x) =>
      x.run(
        x.q
          .updateTable("conversation_turns")
          .set({ taken_at: Date.now() - TURN_STALE_MS - 60_000 })
          .where("conversation_key", "=", "ch:stale"),
      ),
    );
    expect(await take("ch:stale", "pool-other/1")).toBe(true);
    const rows = await store.db.all(
      store.db.q
        .selectFrom("conversation_turns")
        .select(["conversation_key", "holder"])
        .orderBy("conversation_key"),
    );
    expect(rows).toEqual([
      { conversation_key: "ch:dead", holder: "pool-live/1" },
      { conversation_key: "ch:stale", holder: "pool-other/1" },
    ]);
  });
});
