import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDialect } from "../../test/helpers/dialect.js";
import { enqueueOnlyJobTasks } from "../../test/helpers/pg-jobs.js";
import { insertTestRun } from "../../test/helpers/test-runs.js";
import { openTestStore, type TestStore } from "../../test/helpers/test-store.js";
import { conversationJobKey, JobTasks } from "../store/repos/job-repo.js";

/**
 * Deadlines on PostgreSQL are `runs.timeout_at`, swept by every worker's timer into their
 * conversations' jobs (queue/README.md, "Deadlines"). What the jobs table shows for it, read
 * through graphile's public `jobs` view.
 */
describe.skipIf(testDialect !== "postgres")("deadlines handed to conversation jobs", () => {
  let store: TestStore;
  let now = 1_800_000_000_000;
  const clock = { now: () => now };

  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const tasks = () => enqueueOnlyJobTasks(store, clock);

  const waitingRun = async (id: string, timeoutAt: number) => {
    await insertTestRun(store, id, { status: "waiting", conversationKey: `ch_1:${id}`, timeoutAt });
    return (await store.runs.get(id)) as NonNullable<Awaited<ReturnType<typeof store.runs.get>>>;
  };

  const jobs = async () => {
    if (store.location.dialect !== "postgres") throw new Error("postgres only");
    const client = new pg.Client({ connectionString: store.location.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ task_identifier: string; key: string | null; revision: number }>(
        "select task_identifier, key, revision from graphile_worker.jobs order by id",
      );
      return rows;
    } finally {
      await client.end();
    }
  };

  it("a swept deadline becomes its conversation's job once; swept again only after 30 s", async () => {
    const a = await waitingRun("run_a", now - 1_000);
    const b = await waitingRun("run_b", now - 500);
    const jobTasks = tasks();

    await jobTasks.enqueueDeadlines([a, b]);
    const first = await jobs();
    // Enqueued in job-key order (enqueueConversationJobs), so compared as a set.
    expect(first.map((j) => [j.task_identifier, j.key]).sort()).toEqual(
      [
        [JobTasks.conversation, conversationJobKey("ch_1:run_a")],
        [JobTasks.conversation, conversationJobKey("ch_1:run_b")],
      ].sort(),
    );

    // The next sweep, a second later: the jobs wait behind others; they are not replaced.
    now += 1_000;
    await jobTasks.enqueueDeadlines([a, b]);
    expect(await jobs()).toEqual(first);

    // Still due 30 s later (a lost job, a long backlog): enqueued again, the same job key.
    now += 30_000;
    await jobTasks.enqueueDeadlines([a]);
    const later = await jobs();
    expect(later).toHaveLength(2);
    expect(later.find((j) => j.key === conversationJobKey("ch_1:run_a"))?.revision).toBe(1);
  });

  it("a deadline job left by an older version: a passed deadline wakes the conversation, a later one is the timer's", async () => {
    await waitingRun("run_due", now - 1);
    await waitingRun("run_later", now + 60_000);
    const timeoutTask = tasks().tasks()[JobTasks.timeout];
    await timeoutTask({ runId: "run_later" });
    await timeoutTask({ runId: "run_gone" });
    expect(await jobs()).toEqual([]);
    await timeoutTask({ runId: "run_due" });
    expect((await jobs()).map((j) => j.key)).toEqual([conversationJobKey("ch_1:run_due")]);
  });
});
