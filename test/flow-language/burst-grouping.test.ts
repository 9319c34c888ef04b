import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Burst grouping (queue/burst.ts): a customer who types an answer in several messages gets one
 * answer taken. Real time, because it is about real gaps between arrivals.
 */
const WINDOW_MS = 2_000;
const flow = {
  schema: "tern.flow/v1",
  name: "Quote",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "ask_need", type: "ask", text: "How can we help?", save: "need", next: "echo" },
    { id: "echo", type: "send", text: "You said: {{ vars.need }}" },
  ],
};

describe("burst grouping", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ flow, env: { TERN_BURST_WINDOW_MS: String(WINDOW_MS) } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it("hands three messages 300 ms apart to a waiting ask as one answer", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33611110001");
    await customer.say("hello");
    await customer.waitForReplies(1);
    await eventually(async () => (await stack.tern.store.runs.list({ status: "waiting" })).length === 1);
    for (const [i, text] of ["Hi", "I want a quote", "for 3 cars"].entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, 300));
      await customer.say(text);
    }
    const replies = await customer.waitForReplies(2);
    expect(replies[1]?.text).toBe("You said: Hi\nI want a quote\nfor 3 cars");
    const run = await eventually(async () =>
      (await stack.tern.store.runs.list({})).find((r) => r.status === "completed"),
    );
    expect(run.state.vars.need).toBe("Hi\nI want a quote\nfor 3 cars");
    // One answer, one resume: nothing was re-asked, and the three messages stay in the history.
    await new Promise((r) => setTimeout(r, 300));
    expect(customer.received()).toHaveLength(2);
    const inbound = (await stack.tern.store.contacts.messagesOfRun(run.id)).filter(
      (m) => m.direction === "in",
    );
    expect(inbound.map((m) => m.text)).toEqual(["hello", "Hi", "I want a quote", "for 3 cars"]);
  });

  it("does not hold a message that no waiting ask is waiting for", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33611110002");
    const sentAt = Date.now();
    await customer.say("hello");
    await customer.waitForReplies(1);
    // The first message starts the flow at once; only answers to an ask wait for the window.
    expect(Date.now() - sentAt).toBeLessThan(WINDOW_MS);
  });

  it("takes messages further apart than the window as separate answers", async () => {
    const loop = {
      ...flow,
      name: "Loop",
      steps: [
        { id: "ask_need", type: "ask", text: "How can we help?", save: "need", next: "ask_more" },
        { id: "ask_more", type: "ask", text: "Anything else?", save: "more", next: "echo" },
        { id: "echo", type: "send", text: "{{ vars.need }} / {{ vars.more }}" },
      ],
    };
    const imported = (await (
      await stack.http("PUT", `/api/v1/flows/${stack.setup.flowId}`, loop)
    ).json()) as {
      version: number;
    };
    const published = await stack.http("POST", `/api/v1/flows/${stack.setup.flowId}/publish`, {
      version: imported.version,
    });
    expect(published.status).toBe(200);
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33611110003");
    await customer.say("hello");
    await customer.waitForReplies(1);
    await customer.say("a quote");
    await customer.waitForReplies(2, 10_000);
    await customer.say("that's all");
    const replies = await customer.waitForReplies(3, 10_000);
    expect(replies[2]?.text).toBe("a quote / that's all");
  });

  it("re-asks a number typed as two quick messages instead of reading 4 and 2 as 42", async () => {
    const numberFlow = {
      ...flow,
      name: "Cars",
      steps: [
        { id: "ask_cars", type: "ask", text: "How many cars?", save: "cars", expect: "number", next: "echo" },
        { id: "echo", type: "send", text: "Cars: {{ vars.cars }}" },
      ],
    };
    const imported = (await (
      await stack.http("PUT", `/api/v1/flows/${stack.setup.flowId}`, numberFlow)
    ).json()) as { version: number };
    const published = await stack.http("POST", `/api/v1/flows/${stack.setup.flowId}/publish`, {
      version: imported.version,
    });
    expect(published.status).toBe(200);
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "33611110004");
    const waiting = async () => (await stack.tern.store.runs.list({ status: "waiting" })).length;
    const before = await waiting();
    await customer.say("hello");
    await customer.waitForReplies(1);
    await eventually(async () => (await waiting()) === before + 1);
    await customer.say("4");
    await customer.say("2");
    const replies = await customer.waitForReplies(2, 10_000);
    expect(replies[1]?.text).toBe("Please answer with a number, for example 42.");
    await customer.say("42");
    expect((await customer.waitForReplies(3, 10_000))[2]?.text).toBe("Cars: 42");
  });
});
