import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { InboundMessage } from "../../src/channels/channel.js";
import { createAdminClient } from "../../src/cli/api-client.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/logger.js";
import { startTern, type Tern } from "../../src/main.js";
import {
  createCustomer,
  type Provisioned,
  provisionSandbox,
  type Sandbox,
  startSandbox,
} from "../../src/sandbox/stack.js";
import { conversationKey } from "../../src/store/repos/inbox-repo.js";
import { testDatabaseEnv } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";

/**
 * Brief F item 2: a stored inbound message whose processing fails permanently used to stay
 * pending — the lane logged "conversation lane failed", the same row failed again on every
 * poke and restart, and every later message of the conversation waited behind it. Now it is
 * marked processed, kept in `rejected_events` (reason `processing_failed`), logged with its
 * stack and counted in `/metrics`, and the conversation goes on.
 *
 * The poison rows are committed to the inbox directly, as the webhook handler would, without
 * waking the worker, so the test decides when (and in which process) they are processed.
 */
interface Harness {
  tern: Tern;
  sandbox: Sandbox;
  setup: Provisioned;
  logs: Array<Record<string, unknown> & { msg: string }>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-"));
  const database = await testDatabaseEnv();
  const sandbox = await startSandbox();
  const logs: Harness["logs"] = [];
  const start = () =>
    startTern({
      config: loadConfig({
        TERN_PORT: "0",
        TERN_BURST_WINDOW_MS: "0",
        TERN_HOST: "127.0.0.1",
        TERN_DATA_DIR: dataDir,
        TERN_SANDBOX: "off",
        ...database.env,
      }),
      logger: createLogger("info", { write: (line: string) => logs.push(JSON.parse(line)) }),
    });
  const h: Harness = {
    tern: await start(),
    sandbox,
    setup: undefined as unknown as Provisioned,
    logs,
    async restart() {
      await h.tern.close();
      h.tern = await start();
    },
    async close() {
      await h.tern.close();
      await sandbox.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  h.setup = await provisionSandbox(createAdminClient(h.tern.url, h.tern.dataDir.adminToken), sandbox);
  return h;
}

let sequence = 0;
function textMessage(from: string, text: string): InboundMessage {
  return {
    kind: "message",
    providerMessageId: `wamid.poison-test-${++sequence}`,
    from,
    phone: `+${from}`,
    profileName: "Ada",
    timestamp: Date.now(),
    content: { type: "text", text },
  };
}

/** A stored row no code path expects (no content): processing it throws a TypeError, a bug. */
function malformedMessage(from: string): InboundMessage {
  const { content: _content, ...rest } = textMessage(from, "");
  return rest as InboundMessage;
}

/**
 * Commits rows to the inbox like the webhook handler: on PostgreSQL with the conversation's job in
 * the same commit; on SQLite without waking the lane (the test does, with `notify`).
 */
async function store(h: Harness, events: InboundMessage[]): Promise<string> {
  const { store: s } = h.tern;
  // A lane that is still running would drain the new rows itself.
  await h.tern.worker.idle();
  // PostgreSQL: ingest enqueues the jobs of the messages it stores at COMMIT, returning no keys
  // for them; jobs.conversations is then for keys other events touched.
  await s.write(async (tx) => {
    const keys = await tx.inbox.ingest(h.setup.channelId, events, Date.now());
    await tx.jobs.conversations(keys);
  });
  return conversationKey(h.setup.channelId, events[0]!.from);
}

async function metrics(h: Harness): Promise<string> {
  const res = await fetch(`${h.tern.url}/metrics`, {
    headers: { authorization: `Bearer ${h.tern.dataDir.adminToken}` },
  });
  return res.text();
}

describe("a message whose processing fails permanently", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("a message that makes processing throw is dead-lettered and the next message of the conversation is answered", async () => {
    h = await startHarness();
    const customer = createCustomer(h.sandbox, h.setup.webhookUrl, "16315551181");
    await customer.say("Hi");
    await customer.waitForReplies(1);

    const key = await store(h, [malformedMessage(customer.from)]);
    h.tern.worker.notify([key]);
    await h.tern.worker.idle();

    const [rejected, ...more] = await h.tern.store.rejectedEvents.list(h.setup.channelId, 10);
    expect(more).toEqual([]);
    expect(rejected).toMatchObject({
      reason: "processing_failed",
      path: expect.stringMatching(/^inbox\/\d+$/),
    });
    expect(rejected!.detail).toMatch(/^INTERNAL: Unexpected error: /);
    expect(await h.tern.store.inbox.nextPending(key)).toBeUndefined();
    // Logged once, at error, with the stack of what threw.
    const logged = h.logs.filter((l) => l.msg === "message dead-lettered: processing failed");
    expect(logged).toHaveLength(1);
    expect((logged[0]!.err as { stack?: string }).stack).toContain("TypeError");
    expect(JSON.stringify(logged[0])).not.toContain(customer.from);
    const exposed = await metrics(h);
    expect(exposed).toContain('tern_inbox_dead_lettered_total{code="INTERNAL"} 1');
    // From the database too, so dead letters of `tern worker` processes (no HTTP) show on any serve.
    expect(exposed).toContain('tern_rejected_events{reason="processing_failed"} 1');

    // The waiting run was not touched: the customer's answer continues the conversation.
    await customer.say("Ada Lovelace");
    const replies = await customer.waitForReplies(2);
    expect(replies[1]!.text).toContain("Thanks Ada Lovelace! Which company");
  });

  it("messages for a deleted channel are dead-lettered, one after the other, instead of failing their lane on every turn", async () => {
    h = await startHarness();
    const customer = createCustomer(h.sandbox, h.setup.webhookUrl, "16315551182");
    await customer.say("Hi");
    await customer.waitForReplies(1);
    const run = (await h.tern.store.runs.activeFor(conversationKey(h.setup.channelId, customer.from)))!;

    // Messages stored for a channel that is deleted before the worker gets to them. Deleted
    // first: on PostgreSQL the stored rows' job may start at once, and a message processed while
    // its channel still existed is rightly answered.
    const deleted = await fetch(`${h.tern.url}/api/v1/channels/${h.setup.channelId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${h.tern.dataDir.adminToken}` },
    });
    expect(deleted.status).toBeLessThan(300);
    const key = await store(h, [textMessage(customer.from, "Ada"), textMessage(customer.from, "Again")]);
    h.tern.worker.notify([key]);
    await h.tern.worker.idle();
    // On PostgreSQL the second message is a job of its own that another poll may pick up after
    // idle() returned: wait for both dead letters rather than for one turn of the worker.
    await eventually(async () => (await h!.tern.store.inbox.nextPending(key)) === undefined);
    await eventually(
      async () => (await h!.tern.store.rejectedEvents.list(h!.setup.channelId, 10)).length >= 2,
    );

    const rejected = await h.tern.store.rejectedEvents.list(h.setup.channelId, 10);
    expect(rejected.map((r) => [r.reason, r.detail.split(":")[0]])).toEqual([
      ["processing_failed", "CHANNEL_NOT_FOUND"],
      ["processing_failed", "CHANNEL_NOT_FOUND"],
    ]);
    // The run that waited on the channel cannot go on: it ended with the channel, not left to block its conversation.
    expect(await h.tern.store.runs.get(run.id)).toMatchObject({ status: "ended" });
    expect((await h.tern.store.runs.get(run.id))!.state.endReason).toMatchObject({ code: "CHANNEL_DELETED" });
    expect(await metrics(h)).toContain('tern_inbox_dead_lettered_total{code="CHANNEL_NOT_FOUND"} 2');
    expect(h.logs.filter((l) => l.msg === "conversation lane failed")).toEqual([]);
  });

  it("after a restart, a pending poison message is dead-lettered and the message behind it is answered", async () => {
    h = await startHarness();
    const customer = createCustomer(h.sandbox, h.setup.webhookUrl, "16315551183");
    await customer.say("Hi");
    await customer.waitForReplies(1);
    const key = await store(h, [malformedMessage(customer.from), textMessage(customer.from, "Ada Lovelace")]);

    await h.restart();
    const replies = await customer.waitForReplies(2);
    expect(replies[1]!.text).toContain("Thanks Ada Lovelace! Which company");
    await eventually(async () => (await h!.tern.store.inbox.nextPending(key)) === undefined);
    expect(await h.tern.store.rejectedEvents.list(h.setup.channelId, 10)).toHaveLength(1);

    // And it stays so: another restart has nothing left to fail on.
    await h.restart();
    await h.tern.worker.idle();
    expect(await h.tern.store.rejectedEvents.list(h.setup.channelId, 10)).toHaveLength(1);
    expect(customer.received()).toHaveLength(2);
  });
});
