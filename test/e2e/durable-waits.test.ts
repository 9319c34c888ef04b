import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createAdminClient } from "../../src/cli/api-client.js";
import { createCustomer, provisionSandbox, startSandbox } from "../../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern } from "../../src/sandbox/tern-process.js";
import { testDatabaseEnv } from "../helpers/dialect.js";
import { runsWaiting } from "../helpers/in-process.js";

/**
 * A `wait` step and an `ask` reminder are deadlines in the database (runs.timeout_at: the timer
 * on SQLite, a graphile-worker job on PostgreSQL), so they fire after the process was killed
 * and started again, each exactly once.
 */
const flow = {
  schema: "tern.flow/v1",
  name: "Follow up later",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "hold", type: "send", text: "Thanks, we'll follow up shortly.", next: "pause" },
    { id: "pause", type: "wait", duration: "PT3S", next: "follow_up" },
    {
      id: "follow_up",
      type: "ask",
      text: "Still interested in a quote?",
      save: "answer",
      // The reminder's lead on the deadline is wide: a reminder whose tick comes after the
      // deadline (a stalled machine) is rightly skipped, which this test is not about.
      timeout: "PT6S",
      reminders: [{ after: "PT1S", text: "Just checking: still interested?" }],
      onTimeout: "bye",
    },
    { id: "bye", type: "send", text: "No problem. Bye!" },
  ],
};

describe("durable waits", () => {
  it("a wait and a reminder fire after a SIGKILL and restart, each once", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tern-wait-"));
    const sandbox = await startSandbox();
    const secrets = processSecrets();
    const database = await testDatabaseEnv(secrets);
    const port = await freePort();
    let tern = await spawnTern({ dataDir, ...secrets, port, env: database.env });
    try {
      const api = createAdminClient(tern.url, secrets.adminToken);
      const setup = await provisionSandbox(api, sandbox, { flow });
      const customer = createCustomer(sandbox, setup.webhookUrl, "33611112222");
      await customer.say("hello");
      await customer.waitForReplies(1);
      // Killed while the run waits in the `wait` step (its deadline is stored).
      await runsWaiting(api);
      await tern.kill();
      tern = await spawnTern({ dataDir, ...secrets, port, env: database.env });
      const replies = await customer.waitForReplies(4, 30_000);
      expect(replies.map((r) => r.text)).toEqual([
        "Thanks, we'll follow up shortly.",
        "Still interested in a quote?",
        "Just checking: still interested?",
        "No problem. Bye!",
      ]);
      await new Promise((r) => setTimeout(r, 500));
      expect(customer.received()).toHaveLength(4);
    } finally {
      await tern.stop();
      await sandbox.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Two process starts and nine seconds of deadlines: under a loaded full suite, more than 30 s.
  }, 90_000);
});
