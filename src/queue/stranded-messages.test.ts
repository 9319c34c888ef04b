import { describe, expect, it } from "vitest";
import { testDialect } from "../../test/helpers/dialect.js";
import { enqueueOnlyJobTasks, usePostgresStoreAndPool } from "../../test/helpers/pg-jobs.js";
import { insertTestRun } from "../../test/helpers/test-runs.js";
import type { InboundMessage } from "../channels/channel.js";
import { conversationJobKey } from "../store/repos/job-repo.js";
import { STRANDED_AFTER_MS } from "./job-tasks.js";

/**
 * A message whose conversation's job was lost (a lost wake-up: a fault, or graphile's `add_jobs`
 * race fixed in job-repo.ts) would wait for the next restart. Every worker's timer sweeps for
 * such conversations and enqueues their jobs (queue/README.md, "Deadlines").
 */
describe.skipIf(testDialect !== "postgres")("messages left without a job", () => {
  const db = usePostgresStoreAndPool();
  let now = Date.now();
  const clock = { now: () => now };
  const tasks = () => enqueueOnlyJobTasks(db.store, clock);

  /** A message stored `ageMs` ago, as the webhook stores it (with its conversation's job). */
  const received = async (from: string, ageMs: number) => {
    const message: InboundMessage = {
      kind: "message",
      providerMessageId: `wamid.${from}`,
      from,
      timestamp: 0,
      content: { type: "text", text: "Hi" },
    };
    await db.store.write((tx) => tx.inbox.ingest("ch_1", [message], now - ageMs));
    return `ch_1:${from}`;
  };
  const loseJob = (key: string) =>
    db.pool.query("select graphile_worker.remove_job($1)", [conversationJobKey(key)]);
  const jobs = async () =>
    (
      await db.pool.query<{ key: string; revision: number }>(
        "select key, revision from graphile_worker.jobs where key is not null order by key",
      )
    ).rows;

  it("enqueues the job of a conversation whose message waited past the limit with none, and only of those", async () => {
    const stranded = await received("15550001", STRANDED_AFTER_MS + 5_000);
    await loseJob(stranded);
    const queued = await received("15550002", STRANDED_AFTER_MS + 5_000); // its job waits (a backlog)
    const recent = await received("15550003", 1_000);
    await loseJob(recent); // too recent to tell from a job about to be enqueued
    const paused = await received("15550004", STRANDED_AFTER_MS + 5_000);
    await loseJob(paused);
    await insertTestRun(db.store, "run_paused", {
      status: "waiting",
      conversationKey: paused,
      timeoutAt: now + 60_000,
    });
    // Its run waits for a paused connection's retry: the message waits behind it on purpose.
    await db.pool.query(
      `update runs set state_json = jsonb_set(state_json::jsonb, '{wait}', '{"for":"retry","stepId":"hello"}')::text
        where id = 'run_paused'`,
    );
    const before = await jobs();
    expect(before.map((j) => j.key)).toEqual([conversationJobKey(queued)]);

    const jobTasks = tasks();
    expect(await jobTasks.rescueStranded()).toBe(1);
    const after = await jobs();
    expect(after.map((j) => j.key).sort()).toEqual(
      [conversationJobKey(queued), conversationJobKey(stranded)].sort(),
    );
    // The waiting job was left as it was, not replaced.
    expect(after.find((j) => j.key === conversationJobKey(queued))?.revision).toBe(before[0]?.revision);

    // One sweep per STRANDED_AFTER_MS: a second one at once looks at nothing.
    await loseJob(stranded);
    expect(await jobTasks.rescueStranded()).toBe(0);
    now += STRANDED_AFTER_MS;
    expect(await jobTasks.rescueStranded()).toBe(2); // and the recent one has become stranded too
  });

  it("counts a job that gave up (attempts used) as no job", async () => {
    const key = await received("15550005", STRANDED_AFTER_MS + 5_000);
    await db.pool.query("update graphile_worker._private_jobs set attempts = max_attempts where key = $1", [
      conversationJobKey(key),
    ]);
    expect(await tasks().rescueStranded()).toBe(1);
  });
});
