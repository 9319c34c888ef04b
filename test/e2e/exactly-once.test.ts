import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { buildTextWebhook, postWebhook } from "../../src/sandbox/whatsapp/index.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

describe("provider redeliveries never duplicate anything", () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  it("the same webhook delivered 5 times, sequentially and concurrently, gives one run, one Lead, one reply", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "4915123456789");
    const secret = stack.sandbox.wa.config.appSecret;
    const url = stack.setup.webhookUrl;

    // First message: 5 identical deliveries at once.
    const first = JSON.stringify(buildTextWebhook({ from: customer.from, text: "hi" }));
    const firstAcks = await Promise.all(Array.from({ length: 5 }, () => postWebhook(url, first, secret)));
    expect(firstAcks.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await customer.waitForReplies(1);

    // Second message: 5 deliveries one after another.
    const second = JSON.stringify(buildTextWebhook({ from: customer.from, text: "Grace Hopper" }));
    for (let i = 0; i < 5; i++) expect((await postWebhook(url, second, secret)).status).toBe(200);
    await customer.waitForReplies(2);

    // Last message: concurrently again; this one creates the Lead.
    const third = JSON.stringify(buildTextWebhook({ from: customer.from, text: "Navy" }));
    await Promise.all(Array.from({ length: 5 }, () => postWebhook(url, third, secret)));
    await customer.waitForReplies(3);
    await stack.tern.worker.idle();

    expect(stack.sandbox.sf.records("Lead")).toHaveLength(1);
    expect(stack.sandbox.sf.createRequests).toBe(1);
    expect(customer.received().map((m) => m.text)).toHaveLength(3);
    expect(stack.sandbox.wa.sent).toHaveLength(3);
    const runs = await stack.tern.store.runs.list({});
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe("completed");
    expect(await stack.tern.store.inbox.count()).toBe(3);
  });

  it("keeps each conversation's messages in order while many conversations run at once", async () => {
    const customers = Array.from({ length: 20 }, (_, i) =>
      createCustomer(stack.sandbox, stack.setup.webhookUrl, `1415555${String(1000 + i)}`),
    );
    // Twenty customers at once, each answering as soon as the question arrives (an answer sent
    // before its question answers nothing: flows/README.md).
    await Promise.all(
      customers.map(async (c, i) => {
        await c.say("hello");
        await c.waitForReplies(1, 15_000);
        await c.say(`Person ${i}`);
        await c.waitForReplies(2, 15_000);
        await c.say(`Company ${i}`);
      }),
    );
    await eventually(() => stack.sandbox.sf.records("Lead").length === 20, 15_000, "20 leads");
    await Promise.all(customers.map((c) => c.waitForReplies(3)));
    const leads = stack.sandbox.sf.records("Lead");
    for (const [i, c] of customers.entries()) {
      const lead = leads.find((l) => l.Phone === `+${c.from}`);
      expect(lead?.LastName).toBe(`Person ${i}`);
      expect(lead?.Company).toBe(`Company ${i}`);
    }
  });
});
