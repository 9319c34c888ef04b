import { describe, expect, it } from "vitest";
import { testDialect } from "../../../test/helpers/dialect.js";
import { usePostgresStoreAndPool } from "../../../test/helpers/pg-jobs.js";
import { conversationJobKey, JobTasks } from "./job-repo.js";

/**
 * Jobs that outlive what they were for (PostgreSQL): a conversation's job that lost its key while
 * it ran (a message replaced it) and whose worker was then killed stays in graphile's table for
 * ever, with the conversation key (a phone number) in its payload. Erasure and retention remove
 * such rows; SQLite has no job table.
 */
describe.skipIf(testDialect !== "postgres")("job rows that name a person", () => {
  const db = usePostgresStoreAndPool();

  const key = "ch_test:15557000186";
  const other = "ch_test:15557000999";
  const rowsNaming = async (k: string) =>
    (await db.pool.query("select id from graphile_worker._private_jobs where payload->>'key' = $1", [k]))
      .rowCount;
  /** What graphile leaves when a running job is replaced and its worker dies: no key, no attempts left, locked. */
  const orphan = async (k: string, age: string) => {
    await db.store.write((tx) => tx.jobs.conversations([k]));
    await db.pool.query(
      `update graphile_worker._private_jobs
          set key = null, attempts = max_attempts, locked_at = now() - $2::interval, locked_by = 'dead-worker',
              updated_at = now() - $2::interval
        where payload->>'key' = $1`,
      [k, age],
    );
  };

  it("erasing a conversation deletes its waiting job and any orphaned one, and leaves other conversations' jobs", async () => {
    await orphan(key, "5 hours");
    await db.store.write((tx) => tx.jobs.conversations([key])); // a fresh waiting job as well
    await db.store.write((tx) => tx.jobs.conversations([other]));
    expect(await rowsNaming(key)).toBe(2);
    await db.store.write((tx) => tx.jobs.forgetConversation(key));
    expect(await rowsNaming(key)).toBe(0);
    expect(await rowsNaming(other)).toBe(1);
  });

  it("retention deletes jobs that gave up before the cutoff, and keeps live and recent ones", async () => {
    await orphan(key, "40 days");
    await orphan(other, "1 hour");
    await db.store.write((tx) => tx.jobs.erase("ct_someone"));
    const cutoff = Date.now() - 30 * 86_400_000;
    expect(await db.store.write((tx) => tx.jobs.pruneDead(cutoff))).toBe(1);
    expect(await rowsNaming(key)).toBe(0);
    expect(await rowsNaming(other)).toBe(1);
    const tasks = await db.pool.query(
      `select t.identifier from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id`,
    );
    expect(tasks.rows.map((r) => r.identifier).sort()).toEqual([JobTasks.conversation, JobTasks.erase]);
  });
});

/**
 * A rolling upgrade runs workers of an earlier build beside the new ones, and graphile gives a
 * worker every job of the tasks it registered. Those builds ran `tern.erase` as the erasure of a
 * contact id: a job they would misread must have a task they do not know, so that only a worker
 * that understands it takes it. (They read a phone number's erasure, `{ phone }`, as a contact
 * that did not exist and completed it: the messages stayed, and DELETE /contacts?phone= had
 * answered that they would go.)
 */
describe.skipIf(testDialect !== "postgres")("jobs a worker of an earlier build would take", () => {
  const db = usePostgresStoreAndPool();
  /** The tasks and the payload each took, in the builds before `tern.erase-strays`. */
  const earlierBuilds: Record<string, (payload: Record<string, unknown>) => boolean> = {
    "tern.conversation": (p) => typeof p.key === "string",
    "tern.timeout": (p) => typeof p.runId === "string",
    "tern.erase": (p) => typeof p.contactId === "string",
  };

  it("are only those whose payload it reads as this build means it", async () => {
    await db.store.write(async (tx) => {
      await tx.jobs.conversations(["ch_test:15557000186"]);
      await tx.jobs.erase("ct_someone");
      await tx.jobs.eraseStrays("+15557000186");
    });
    const { rows } = await db.pool.query<{ identifier: string; payload: Record<string, unknown> }>(
      `select t.identifier, j.payload from graphile_worker._private_jobs j
         join graphile_worker._private_tasks t on t.id = j.task_id`,
    );
    expect(rows).toHaveLength(3);
    for (const { identifier, payload } of rows) {
      const reads = earlierBuilds[identifier];
      if (reads) expect(reads(payload), `${identifier} ${JSON.stringify(payload)}`).toBe(true);
    }
  });
});

/**
 * A conversation's waiting job taken by a worker while a webhook's transaction enqueues for the
 * same conversation and others (graphile's `add_jobs`, which clears running jobs' keys before it
 * upserts). Made deterministic here: another connection locks the waiting job, as a worker's
 * fetch does, after the clearing statement and before the upsert.
 */
describe.skipIf(testDialect !== "postgres")("enqueueing next to a job a worker is taking", () => {
  const db = usePostgresStoreAndPool();

  /**
   * Runs `write` while another connection holds the conversation's waiting job locked, as a
   * worker's fetch does, and lets that lock go once `write` waits on it.
   */
  const whileWorkerTakes = async (key: string, write: () => Promise<unknown>) => {
    const worker = await db.pool.connect();
    try {
      await worker.query("begin");
      await worker.query(
        "update graphile_worker._private_jobs set locked_at = now(), locked_by = 'pool-worker' where key = $1",
        [conversationJobKey(key)],
      );
      const written = write();
      const deadline = Date.now() + 10_000;
      for (;;) {
        // Any lock wait in this database is the write's (its statement may be longer than
        // pg_stat_activity keeps of a query).
        const waiting = await db.pool.query(
          "select 1 from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()",
        );
        if (waiting.rowCount) break;
        if (Date.now() > deadline) throw new Error("the write never waited on the job row");
        await new Promise((r) => setTimeout(r, 10));
      }
      await worker.query("commit");
      await written;
    } finally {
      worker.release();
    }
  };

  it("still leaves a waiting job for the conversation, beside the one the worker took", async () => {
    const key = "ch_test:15557000186";
    const other = "ch_test:15557000999";
    await db.store.write((tx) => tx.jobs.conversations([key]));
    // The webhook's enqueue waits on that row lock in its upsert, past the key-clearing step.
    await whileWorkerTakes(key, () => db.store.write((tx) => tx.jobs.conversations([key, other])));
    const jobs = await db.pool.query<{ key: string | null; locked: boolean }>(
      `select key, locked_at is not null as locked from graphile_worker._private_jobs
        where payload->>'key' = $1 order by id`,
      [key],
    );
    // The taken job may have looked for work before the new message committed: a fresh one must wait.
    expect(jobs.rows).toEqual([
      { key: null, locked: true },
      { key: conversationJobKey(key), locked: false },
    ]);
  });

  it("a webhook's ingest still leaves a waiting job beside the one the worker took", async () => {
    const from = "15557000187";
    const key = `ch_test:${from}`;
    const message = (sender: string, id: string) =>
      ({
        kind: "message",
        providerMessageId: id,
        from: sender,
        timestamp: 0,
        content: { type: "text", text: "Hi" },
      }) as const;
    await db.store.write((tx) => tx.jobs.conversations([key]));
    await whileWorkerTakes(key, () =>
      db.store.write((tx) =>
        tx.inbox.ingest(
          "ch_test",
          [message(from, "wamid.race.1"), message("15557000998", "wamid.race.2")],
          Date.now(),
        ),
      ),
    );
    const jobs = await db.pool.query<{ conversation: string; key: string | null; locked: boolean }>(
      `select payload->>'key' as conversation, key, locked_at is not null as locked
         from graphile_worker._private_jobs where payload->>'key' like 'ch_test:%' order by id`,
    );
    expect(jobs.rows).toEqual([
      { conversation: key, key: null, locked: true },
      { conversation: "ch_test:15557000998", key: conversationJobKey("ch_test:15557000998"), locked: false },
      { conversation: key, key: conversationJobKey(key), locked: false },
    ]);
    const pending = await db.pool.query("select conversation_key from inbox order by id");
    expect(pending.rows.map((r) => r.conversation_key)).toEqual([key, "ch_test:15557000998"]);
  });
});
