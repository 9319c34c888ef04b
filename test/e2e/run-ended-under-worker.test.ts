import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startTern } from "../../src/main.js";
import { createCustomer, startSandbox } from "../../src/sandbox/stack.js";
import { conversationKey } from "../../src/store/repos/inbox-repo.js";
import { testDatabaseEnv } from "../helpers/dialect.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";
import { adminApi, createConnection } from "../helpers/real-thing.js";

/**
 * Brief F item 1: a run that is mid-step in memory when it is ended elsewhere (the sandbox
 * stepping aside ends its runs; `POST /runs/:id/end` will) must not be advanced anyway — no
 * later step persists over "ended", and no later effect leaves: no Lead, no message. The
 * provider's answer is held (fault controls of the emulators) while the run is ended, so the
 * interleaving is deterministic.
 */
const template = JSON.parse(
  readFileSync(new URL("../../templates/whatsapp-lead.json", import.meta.url), "utf8"),
) as { steps: Array<Record<string, unknown>> } & Record<string, unknown>;

/** The template with a "one moment" message between the name and the Lead. */
const withNotice = {
  ...template,
  steps: template.steps.map((step) =>
    step.id === "ask_name"
      ? { ...step, next: "notice" }
      : step.id === "ask_company"
        ? {
            id: "notice",
            type: "send",
            text: "One moment, {{ vars.name }}…",
            next: "create_lead",
          }
        : step,
  ),
};

describe("a run ended while a step is in memory", () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const endRun = async (s: Stack, from: string): Promise<string> => {
    const { store } = s.tern;
    const run = await store.runs.activeFor(conversationKey(s.setup.channelId, from));
    expect(run).toBeDefined();
    expect(await store.write((tx) => tx.runs.end(run!.id, Date.now()))).toBe(true);
    return run!.id;
  };

  it("creates no Lead in the org after the run was ended during its previous send", async () => {
    stack = await startStack({ flow: withNotice });
    const { sandbox, tern } = stack;
    const customer = createCustomer(sandbox, stack.setup.webhookUrl, "16315551181");
    await customer.say("Hi");
    await customer.waitForReplies(1);

    // The "one moment" message is accepted by the simulator, its answer withheld.
    sandbox.wa.holdResponses();
    await customer.say("Ada Lovelace");
    await customer.waitForReplies(2);
    const runId = await endRun(stack, customer.from);
    sandbox.wa.releaseResponses();
    await tern.worker.idle();

    expect(sandbox.sf.records("Lead")).toHaveLength(0);
    expect(customer.received()).toHaveLength(2);
    const run = (await tern.store.runs.get(runId))!;
    expect(run.status).toBe("ended");
    expect(run.state.status).toBe("ended");
    expect((await tern.store.runs.steps(runId)).map((s) => s.stepId)).not.toContain("create_lead");
  });

  it("sends no confirmation after the run was ended while its Lead was being created, and the run stays ended", async () => {
    stack = await startStack();
    const { sandbox, tern } = stack;
    const customer = createCustomer(sandbox, stack.setup.webhookUrl, "16315551182");
    for (const [i, text] of ["Hi", "Ada Lovelace"].entries()) {
      await customer.say(text);
      await customer.waitForReplies(i + 1);
    }

    sandbox.sf.holdCreates();
    await customer.say("Analytical Engines");
    await sandbox.sf.waitForCreate(1);
    const runId = await endRun(stack, customer.from);
    sandbox.sf.releaseCreates();
    await tern.worker.idle();

    // The create had left before the end (it cannot be called back); nothing after it happens.
    expect(sandbox.sf.records("Lead")).toHaveLength(1);
    expect(customer.received()).toHaveLength(2);
    const run = (await tern.store.runs.get(runId))!;
    expect(run.status).toBe("ended");
    expect(run.state.status).toBe("ended");
    expect((await tern.store.runs.steps(runId)).map((s) => s.stepId)).not.toContain("confirm");
    // The message that the ended run took is not left pending to start another run.
    expect(
      await tern.store.inbox.nextPending(conversationKey(stack.setup.channelId, customer.from)),
    ).toBeUndefined();
  });

  it("a sandbox run whose send was in flight when the user connected their own org stays ended (the sandbox stepped aside under it)", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tern-aside-"));
    const database = await testDatabaseEnv();
    const org = await startSandbox();
    const tern = await startTern({
      config: loadConfig({
        TERN_PORT: "0",
        TERN_BURST_WINDOW_MS: "0",
        TERN_HOST: "127.0.0.1",
        TERN_DATA_DIR: dataDir,
        TERN_LOG_LEVEL: "silent",
        TERN_SANDBOX: "auto",
        ...database.env,
      }),
    });
    try {
      const api = adminApi(tern.url, tern.dataDir.adminToken);
      const builtIn = tern.sandbox!.sandbox;
      // The greeting is accepted by the built-in simulator, its answer withheld: the run is mid-step.
      builtIn.wa.holdResponses();
      expect((await api("POST", "/sandbox/messages", { from: "15550000002", text: "Hi" })).status).toBe(202);
      await builtIn.wa.waitForSent((m) => m.to === "15550000002");
      const run = await eventually(async () => (await tern.store.runs.list({ status: "running" }))[0]);

      // Step 1 of "Connect the real thing": the sandbox retires its rows and ends its runs in
      // the same write, then stops its simulator, which answers the held send.
      expect((await createConnection(api, org, "salesforce")).status).toBe(201);
      await tern.worker.idle();

      const after = (await tern.store.runs.get(run.id))!;
      expect(after.status).toBe("ended");
      expect(after.state.status).toBe("ended");
      expect(after.timeoutAt).toBeNull();
      expect(await tern.store.runs.steps(run.id)).toEqual([]);
      expect(org.sf.records("Lead")).toHaveLength(0);
    } finally {
      await tern.close();
      await org.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
