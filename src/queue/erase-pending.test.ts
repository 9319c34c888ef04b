import { beforeEach, describe, expect, it } from "vitest";
import { testDialect } from "../../test/helpers/dialect.js";
import { enqueueOnlyJobTasks, usePostgresStoreAndPool } from "../../test/helpers/pg-jobs.js";
import { conversationKey } from "../store/repos/inbox-repo.js";
import { JobTasks } from "../store/repos/job-repo.js";

/**
 * `DELETE /contacts?phone=` for a number that is nobody's contact yet, with its first message
 * acknowledged and waiting for a worker (PostgreSQL: the erasure is a `tern.erase-strays` job naming
 * the phone; builds before it enqueued a `tern.erase` job): the job erases those inbox rows in each conversation's turn, and the conversation's job
 * with them; a busy turn puts it off.
 */
describe.skipIf(testDialect !== "postgres")("the erasure job of a phone number no contact has", () => {
  const db = usePostgresStoreAndPool();
  const phone = "+15557000291";
  const key = conversationKey("ch_sms", phone);
  beforeEach(async () => {
    await db.pool.query(
      "insert into job_workers (worker_id, process, started_at, heartbeat_at) values ('pool-a', 'test', $1, $1)",
      [Date.now()],
    );
    await db.store.write((tx) =>
      tx.inbox.ingest(
        "ch_sms",
        [
          {
            kind: "message",
            providerMessageId: "SM-pending-1",
            from: phone,
            phone,
            timestamp: Date.now(),
            content: { type: "text", text: "hi from nobody yet" },
          },
        ],
        Date.now(),
      ),
    );
  });
  const jobs = async () =>
    (
      await db.pool.query<{ task: string; payload: string }>(
        `select t.identifier as task, j.payload::text from graphile_worker._private_jobs j
         join graphile_worker._private_tasks t on t.id = j.task_id order by j.id`,
      )
    ).rows;
  const eraseTask = (task: typeof JobTasks.erase | typeof JobTasks.eraseStrays = JobTasks.eraseStrays) =>
    enqueueOnlyJobTasks(db.store, { now: () => Date.now() }).tasks()[task] as (
      payload: unknown,
      helpers: { runnerId: string },
    ) => Promise<void>;

  it.each([JobTasks.eraseStrays, JobTasks.erase])(
    "%s erases the waiting message and its conversation's job",
    async (task) => {
      expect((await jobs()).map((j) => j.task)).toEqual([JobTasks.conversation]);
      await eraseTask(task)({ phone }, { runnerId: "pool-a/1" });
      expect(await db.store.inbox.nextPending(key)).toBeUndefined();
      expect(await db.store.retention.strayConversations(phone)).toEqual([]);
      expect((await jobs()).filter((j) => j.payload.includes("15557000291"))).toEqual([]);
    },
  );

  it("erases the contact the message became when the conversation's job ran first", async () => {
    // The conversation's job is older than the erasure's: with no worker running at the DELETE
    // (202 queued), the first worker to start handled the message first, and the erasure found
    // no stray left while the person's number, name and text stayed in contacts and messages.
    const now = Date.now();
    const pending = await db.store.inbox.nextPending(key);
    await db.store.write(async (tx) => {
      const contact = await tx.contacts.upsert("ch_sms", phone, phone, "Nobody Yet", now);
      await tx.contacts.addMessage({
        channelId: "ch_sms",
        contactId: contact.id,
        direction: "in",
        text: "hi from nobody yet",
        providerMessageId: "SM-pending-1",
        effectKey: `in:${pending?.id}`,
        runId: null,
        status: "received",
        now,
      });
      await tx.inbox.markProcessed(pending?.id ?? 0, now);
    });
    expect(await db.store.retention.strayConversations(phone)).toEqual([]);
    expect(await db.store.retention.contactsByPhone(phone)).toHaveLength(1);

    await eraseTask()({ phone }, { runnerId: "pool-a/1" });
    expect(await db.store.retention.contactsByPhone(phone)).toEqual([]);
    const left = await db.pool.query(
      "select 'contacts' as t from contacts where phone = $1 union all select 'messages' from messages where text = $2",
      [phone, "hi from nobody yet"],
    );
    expect(left.rows).toEqual([]);
  });

  it("waits for a busy conversation's turn as a later job, and erases nothing meanwhile", async () => {
    expect(await db.store.turns.take(key, "pool-a/other")).toBe(true);
    await eraseTask()({ phone }, { runnerId: "pool-a/1" });
    expect(await db.store.inbox.nextPending(key)).toBeDefined();
    expect((await jobs()).filter((j) => j.task.startsWith("tern.erase"))).toEqual([
      { task: JobTasks.eraseStrays, payload: JSON.stringify({ phone }) },
    ]);
  });
});
