import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAdminClient } from "../../src/cli/api-client.js";
import { loadConfig } from "../../src/config.js";
import { createLogger, maskAddress, maskConversationKey } from "../../src/core/logger.js";
import { startTern, type Tern } from "../../src/main.js";
import {
  createCustomer,
  type Provisioned,
  provisionSandbox,
  type Sandbox,
  startSandbox,
} from "../../src/sandbox/stack.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";
import { faultInWrites } from "../helpers/store-faults.js";

/** Every line Tern logs at `info`, captured from pino as the process would write it. */
describe("logs at info", () => {
  let dir: string;
  let sandbox: Sandbox;
  let tern: Tern;
  let setup: Provisioned;
  let lines: string[];
  let database: TestDatabaseEnv;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-logs-"));
    lines = [];
    database = await testDatabaseEnv();
    sandbox = await startSandbox();
    tern = await startTern({
      config: loadConfig({
        TERN_PORT: "0",
        TERN_BURST_WINDOW_MS: "0",
        TERN_HOST: "127.0.0.1",
        TERN_DATA_DIR: dir,
        TERN_SANDBOX: "off",
        ...database.env,
      }),
      logger: createLogger("info", { write: (line: string) => void lines.push(line) }),
    });
    setup = await provisionSandbox(createAdminClient(tern.url, tern.dataDir.adminToken), sandbox);
  });
  afterEach(async () => {
    sandbox.wa.deliverStatusesTo(null);
    await tern.close();
    await sandbox.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("carry no message text and no full phone number through a lead conversation and a failure, and keep the stack of an unexpected error", async () => {
    sandbox.wa.deliverStatusesTo(setup.webhookUrl);
    const said = ["Hello, I would like a quote", "Grace Hopper", "Compilers Unlimited Inc"];
    const lead = createCustomer(sandbox, setup.webhookUrl, "16315550142", "Grace");
    for (const [i, text] of said.entries()) {
      expect((await lead.say(text)).status).toBe(200);
      await lead.waitForReplies(i + 1, 20_000);
    }
    await eventually(() => sandbox.sf.records("Lead").length === 1);
    const api = createAdminClient(tern.url, tern.dataDir.adminToken);
    await eventually(async () => {
      const runs = (await api.request("GET", `/runs?flowId=${setup.flowId}`)) as {
        items: Array<{ status: string }>;
      };
      return runs.items[0]?.status === "completed";
    });

    // An unexpected failure in the middle of a conversation: the store refuses a run's progress.
    const fault = faultInWrites(
      tern.store,
      "runs",
      "saveSnapshot",
      () => new Error("disk full while saving run progress"),
      { once: true },
    );
    const unlucky = createCustomer(sandbox, setup.webhookUrl, "447700900461", "Alan");
    const failing = "My secret plans for the weekend";
    expect((await unlucky.say(failing)).status).toBe(200);
    // The run that took the message is failed for it (queue/README.md, "Poison messages").
    const laneFailed = await eventually(() =>
      lines.find((l) => l.includes("message processing failed: the run that took it was failed")),
    );
    fault.restore();
    expect(fault.calls()).toBe(1);

    const all = lines.join("\n");
    for (const text of [...said, failing]) expect(all).not.toContain(text);
    for (const phone of ["16315550142", "447700900461"]) expect(all).not.toContain(phone);
    // The customers' names (WhatsApp profile names) stay out as well.
    expect(all).not.toContain("Grace Hopper");

    const entry = JSON.parse(laneFailed) as { conversation: string; err: { message: string; stack: string } };
    expect(entry.conversation).toBe(`${setup.channelId}:44•••61`);
    expect(entry.err.message).toContain("disk full while saving run progress");
    expect(entry.err.stack).toMatch(/Error: disk full while saving run progress\n\s+at /);
    const advanceFailed = lines.find((l) => l.includes("run advance failed"));
    expect(JSON.parse(advanceFailed ?? "{}").err?.stack).toMatch(/\n\s+at /);
  });
});

describe("masking helpers", () => {
  it("keep two characters at each end of an address and hide the rest", () => {
    expect(maskAddress("16315550142")).toBe("16•••42");
    expect(maskAddress("12345")).toBe("•••");
    expect(maskConversationKey("ch_01:447700900461")).toBe("ch_01:44•••61");
  });
});
