import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, runsWaiting, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Burst grouping on both dialects: SQLite holds the conversation's lane with an in-process
 * timer, PostgreSQL re-enqueues the conversation's job for the end of the window (queue/burst.ts).
 */
const flow = {
  schema: "tern.flow/v1",
  name: "Quote",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "ask_need", type: "ask", text: "How can we help?", save: "need", next: "echo" },
    { id: "echo", type: "send", text: "You said: {{ vars.need }}" },
  ],
};

describe("burst grouping through the job path", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ flow, env: { TERN_BURST_WINDOW_MS: "1000" } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it("hands three messages 300 ms apart to a waiting ask as one answer", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33622220001");
    await customer.say("hello");
    await customer.waitForReplies(1);
    await eventually(async () => (await stack.tern.store.runs.list({ status: "waiting" })).length === 1);
    for (const [i, text] of ["Hi", "I want a quote", "for 3 cars"].entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, 300));
      await customer.say(text);
    }
    const replies = await customer.waitForReplies(2);
    expect(replies[1]?.text).toBe("You said: Hi\nI want a quote\nfor 3 cars");
    await stack.tern.worker.idle();
    expect(customer.received()).toHaveLength(2);
    expect(await stack.tern.store.inbox.backlog()).toBe(0);
  });
});

describe("a held burst survives a crash", () => {
  it("answers once with all three messages after a SIGKILL during the window", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const { createAdminClient } = await import("../../src/cli/api-client.js");
    const { provisionSandbox, startSandbox } = await import("../../src/sandbox/stack.js");
    const { freePort, processSecrets, spawnTern } = await import("../../src/sandbox/tern-process.js");
    const { testDatabaseEnv } = await import("../helpers/dialect.js");
    const dataDir = mkdtempSync(path.join(tmpdir(), "tern-burst-"));
    const sandbox = await startSandbox();
    const secrets = processSecrets();
    const database = await testDatabaseEnv(secrets);
    const port = await freePort();
    const env = { ...database.env, TERN_BURST_WINDOW_MS: "1500" };
    let tern = await spawnTern({ dataDir, ...secrets, port, env });
    try {
      const setup = await provisionSandbox(createAdminClient(tern.url, secrets.adminToken), sandbox, {
        flow,
      });
      const customer = createCustomer(sandbox, setup.webhookUrl, "33622220002");
      await customer.say("hello");
      await customer.waitForReplies(1);
      const api = createAdminClient(tern.url, secrets.adminToken);
      await runsWaiting(api);
      for (const text of ["Hi", "I want a quote", "for 3 cars"]) await customer.say(text);
      // Acknowledged (stored) and held: the process dies before the window ends.
      await tern.kill();
      tern = await spawnTern({ dataDir, ...secrets, port, env });
      const replies = await customer.waitForReplies(2, 10_000);
      expect(replies[1]?.text).toBe("You said: Hi\nI want a quote\nfor 3 cars");
      await new Promise((r) => setTimeout(r, 500));
      expect(customer.received()).toHaveLength(2);
    } finally {
      await tern.stop();
      await sandbox.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
