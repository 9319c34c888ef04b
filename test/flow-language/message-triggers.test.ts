import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * Inbound message triggers through the real engine and store: a WhatsApp webhook in, the reply at
 * the sandbox's WhatsApp simulator. `pattern` (a bounded regular expression) and `on: "first"`
 * (only a conversation's first message) beside the catch-all flow the stack publishes.
 */
const sendOnly = (name: string, trigger: Record<string, unknown>, text: string) => ({
  schema: "tern.flow/v1",
  name,
  trigger: { type: "message", channels: ["whatsapp"], ...trigger },
  steps: [{ id: "say", type: "send", text }],
});

describe("message triggers: pattern, first vs any", () => {
  let stack: Stack;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await stack.http(method, `/api/v1${path}`, body);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const publish = async (flow: unknown) => {
    const created = await api("POST", "/flows", flow);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, version } = created.body as { id: string; version: number };
    expect((await api("POST", `/flows/${id}/publish`, { version })).status).toBe(200);
  };

  beforeAll(async () => {
    // The catch-all for any message (published first, so a later catch-all wins over it).
    stack = await startStack({ flow: sendOnly("any message", {}, "catch-all") });
    await publish(sendOnly("first message", { on: "first" }, "Welcome, first-timer!"));
    await publish(
      sendOnly(
        "order status",
        { pattern: "^order\\s*#?\\d{4,8}$" },
        "Looking up {{ message.text | upcase }}",
      ),
    );
  });
  afterAll(async () => {
    await stack?.close();
  });

  const customer = (from: string) => createCustomer(stack.sandbox, stack.setup.webhookUrl, from);

  it("starts the on-first flow only for a conversation's first message; later messages go to the catch-all", async () => {
    const ada = customer("4915100000001");
    await ada.say("hello");
    expect((await ada.waitForReplies(1)).map((m) => m.text)).toEqual(["Welcome, first-timer!"]);
    await ada.say("hello again");
    expect((await ada.waitForReplies(2)).map((m) => m.text)).toEqual(["Welcome, first-timer!", "catch-all"]);
  });

  it("starts the flow whose pattern matches (over a catch-all, even on a first message) and not otherwise", async () => {
    const bob = customer("4915100000002");
    await bob.say("Order #20241");
    expect((await bob.waitForReplies(1)).map((m) => m.text)).toEqual(["Looking up ORDER #20241"]);
    await bob.say("where is my order 12");
    expect((await bob.waitForReplies(2)).map((m) => m.text)[1]).toBe("catch-all");
  });

  it("refuses a pattern that could backtrack without bound, or is no regular expression, naming the problem", async () => {
    for (const [pattern, problem] of [
      ["^(a+)+$", "repeats"],
      ["(x|xx)*y", "repeats"],
      ["(a)\\1", "back-references"],
      ["[unclosed", "not a valid regular expression"],
    ] as const) {
      const res = await api("POST", "/flows", sendOnly("bad", { pattern }, "x"));
      expect(res.status, pattern).toBe(422);
      expect(JSON.stringify(res.body), pattern).toContain(problem);
    }
    const tooLong = await api("POST", "/flows", sendOnly("bad", { pattern: "a".repeat(201) }, "x"));
    expect(tooLong.status).toBe(422);
  });

  it("refuses an unknown `on` value", async () => {
    const res = await api("POST", "/flows", sendOnly("bad", { on: "second" }, "x"));
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain("$.trigger.on");
  });
});
