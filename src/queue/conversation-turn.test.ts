import { beforeEach, describe, expect, it } from "vitest";
import { testDialect } from "../../test/helpers/dialect.js";
import { usePostgresStoreAndPool } from "../../test/helpers/pg-jobs.js";
import { conversationJobKey } from "../store/repos/job-repo.js";
import type { Store } from "../store/store.js";
import { inConversationTurn } from "./conversation-turn.js";

/**
 * The database goes away just as a job gives its conversation's turn up (an outside audit
 * terminated every backend under load): the turn must not stay held by the live runner, or
 * every later job of that conversation knocks and leaves until the turn goes stale (5 min).
 */
describe.skipIf(testDialect !== "postgres")("a turn whose release failed", () => {
  const db = usePostgresStoreAndPool();
  beforeEach(async () => {
    await db.pool.query(
      "insert into job_workers (worker_id, process, started_at, heartbeat_at) values ('pool-a', 'test', $1, $1)",
      [Date.now()],
    );
  });

  /** The store, but its first `release` calls fail as a lost connection does. */
  const losingReleases = (failures: number): Store => {
    let left = failures;
    const { store } = db;
    return {
      ...store,
      turns: {
        ...store.turns,
        release: async (key, holder) => {
          if (left-- > 0) throw new Error("Connection terminated unexpectedly");
          return store.turns.release(key, holder);
        },
      },
    };
  };

  it("is released once the database answers again, and a job that knocked meanwhile gets a fresh job", async () => {
    const key = "ch_1:15550009999";
    const flaky = losingReleases(2);
    const { store } = db;
    const outcome = inConversationTurn(flaky, key, "pool-a", async () => {
      // Another job of the conversation found the turn taken and knocked.
      expect(await store.turns.take(key, "pool-a/other")).toBe(false);
      expect(await store.turns.knock(key)).toBe(true);
    });
    await expect(outcome).rejects.toThrow(/Connection terminated/);
    expect(await store.turns.take(key, "pool-a/next")).toBe(false); // still held right after
    // Tried again after 250 ms, then 500 ms: free within a second, with the knock answered.
    const deadline = Date.now() + 5_000;
    while (!(await store.turns.take(key, "pool-a/next"))) {
      if (Date.now() > deadline) throw new Error("the turn was never released");
      await new Promise((r) => setTimeout(r, 50));
    }
    // The fresh job is enqueued by the statement after the release: on a busy machine it can
    // commit after the take above.
    await expect
      .poll(async () => (await db.pool.query<{ key: string }>("select key from graphile_worker.jobs")).rows, {
        timeout: 5_000,
      })
      .toEqual([{ key: conversationJobKey(key) }]);
  });

  it("gets a fresh job when its holder fails after a job knocked, which graphile will not retry", async () => {
    const key = "ch_1:15550008888";
    const { store } = db;
    // The knocker's enqueue found this job running: graphile's add_job then took its key and set
    // its attempts to the maximum, so this job is never retried; the knocker left at once.
    const outcome = inConversationTurn(store, key, "pool-a", async () => {
      expect(await store.turns.knock(key)).toBe(true);
      throw new Error("terminating connection due to administrator command");
    });
    await expect(outcome).rejects.toThrow(/administrator command/);
    expect(await store.turns.take(key, "pool-a/next")).toBe(true); // released
    const jobs = (await db.pool.query<{ key: string }>("select key from graphile_worker.jobs")).rows;
    expect(jobs.map((j) => j.key)).toEqual([conversationJobKey(key)]);
  });

  it("gets a fresh job when its holder fails on the message whose knock it cleared as it went on to it", async () => {
    const key = "ch_1:15550007777";
    const { store } = db;
    const outcome = inConversationTurn(store, key, "pool-a", async (_renew, releaseIfIdle) => {
      // A message came (its ingest knocked, or a job did) and is pending: the holder goes on to
      // it, the knock cleared, and then fails on it.
      await db.pool.query(
        "insert into inbox (channel_id, provider_message_id, conversation_key, event_json, received_at) values ('ch_1', 'm-quiet', $1, '{}', $2)",
        [key, Date.now()],
      );
      expect(await store.turns.knock(key)).toBe(true);
      expect((await releaseIfIdle()).released).toBe(false);
      throw new Error("terminating connection due to administrator command");
    });
    await expect(outcome).rejects.toThrow(/administrator command/);
    const jobs = (await db.pool.query<{ key: string }>("select key from graphile_worker.jobs")).rows;
    expect(jobs.map((j) => j.key)).toEqual([conversationJobKey(key)]);
  });
});
