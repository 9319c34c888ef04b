import { afterEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, runsWaiting, type Stack, startStack } from "../helpers/in-process.js";

/** Waits as data: an unanswered question times out on the real timer, also across restarts of the lane. */
const quickFlow = {
  schema: "tern.flow/v1",
  name: "Quick question",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    {
      id: "ask_email",
      type: "ask",
      text: "What's your email?",
      save: "email",
      expect: "email",
      retryText: "That doesn't look like an email address. Try again?",
      maxRetries: 1,
      timeout: "PT1S",
      next: "thanks",
      onTimeout: "bye",
      onInvalid: "give_up",
    },
    { id: "thanks", type: "send", text: "Thanks, we'll write to {{ vars.email }}." },
    { id: "bye", type: "send", text: "No answer, no problem. Bye!" },
    { id: "give_up", type: "send", text: "Let's talk on the phone instead." },
  ],
};

/**
 * The same question with its deadline an hour away, for the tests of answers: with 1 s, a slow
 * machine (an answer's turn after a re-ask's send and its commit) let the deadline win the race.
 */
const answeredFlow = {
  ...quickFlow,
  steps: quickFlow.steps.map((step) => (step.id === "ask_email" ? { ...step, timeout: "PT1H" } : step)),
};

describe("questions that wait, time out and validate", () => {
  let stack: Stack;
  afterEach(async () => {
    await stack.close();
  });

  it("takes onTimeout when the customer does not answer in time", async () => {
    stack = await startStack({ flow: quickFlow });
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33612345678");
    await customer.say("hello");
    await customer.waitForReplies(1);
    const replies = await customer.waitForReplies(2, 5_000);
    expect(replies[1]!.text).toBe("No answer, no problem. Bye!");
    const run = await eventually(async () =>
      (await stack.tern.store.runs.list({})).find((r) => r.status === "completed"),
    );
    expect(run.state.steps.ask_email).toMatchObject({ timedOut: true });
  });

  it("re-asks on an invalid answer, then saves the valid one normalized", async () => {
    stack = await startStack({ flow: answeredFlow });
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33612345679");
    await customer.say("hello");
    await customer.waitForReplies(1);
    await customer.say("not an email");
    const retry = await customer.waitForReplies(2);
    expect(retry[1]!.text).toBe("That doesn't look like an email address. Try again?");
    await customer.say("  Ada@Example.COM ");
    const replies = await customer.waitForReplies(3);
    expect(replies[2]!.text).toBe("Thanks, we'll write to ada@example.com.");
  });

  it("takes onInvalid after maxRetries invalid answers", async () => {
    stack = await startStack({ flow: answeredFlow });
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33612345670");
    await customer.say("hello");
    await customer.waitForReplies(1);
    await customer.say("nope");
    await customer.waitForReplies(2);
    await customer.say("still nope");
    const replies = await customer.waitForReplies(3);
    expect(replies[2]!.text).toBe("Let's talk on the phone instead.");
  });
});

describe("a timeout survives a crash", () => {
  // Two `tern serve` processes: timed out at the default 30 s in a full run on a loaded 2-core machine.
  it("fires after a SIGKILL and restart, because waits live in the database", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const { createAdminClient } = await import("../../src/cli/api-client.js");
    const { provisionSandbox, startSandbox } = await import("../../src/sandbox/stack.js");
    const { freePort, processSecrets, spawnTern } = await import("../../src/sandbox/tern-process.js");
    const { testDatabaseEnv } = await import("../helpers/dialect.js");
    const dataDir = mkdtempSync(path.join(tmpdir(), "tern-timeout-"));
    const sandbox = await startSandbox();
    const secrets = processSecrets();
    const database = await testDatabaseEnv(secrets);
    const port = await freePort();
    let tern = await spawnTern({ dataDir, ...secrets, port, env: database.env });
    try {
      const flow = {
        ...quickFlow,
        steps: [{ ...quickFlow.steps[0], timeout: "PT2S" }, ...quickFlow.steps.slice(1)],
      };
      const setup = await provisionSandbox(createAdminClient(tern.url, secrets.adminToken), sandbox, {
        flow,
      });
      const customer = createCustomer(sandbox, setup.webhookUrl, "33699999999");
      await customer.say("hello");
      await customer.waitForReplies(1);
      // Kill once the run is stored as waiting (its question went out and its deadline is set).
      const api = createAdminClient(tern.url, secrets.adminToken);
      await runsWaiting(api);
      await tern.kill();
      tern = await spawnTern({ dataDir, ...secrets, port, env: database.env });
      const replies = await customer.waitForReplies(2, 10_000);
      expect(replies[1]!.text).toBe("No answer, no problem. Bye!");
      await new Promise((r) => setTimeout(r, 300));
      expect(customer.received()).toHaveLength(2);
    } finally {
      await tern.stop();
      await sandbox.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
