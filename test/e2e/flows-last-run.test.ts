import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/** The flows list says when each flow last started a run (the UI's "Last run" column). */
interface Item {
  id: string;
  lastRunAt: number | null;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const items = async (): Promise<Item[]> => {
  const res = await stack.http("GET", "/api/v1/flows");
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Item[] }).items;
};

describe("GET /api/v1/flows lastRunAt", () => {
  it("is null until a flow runs, then the time its latest run started", async () => {
    const other = await stack.http("POST", "/api/v1/flows", {
      schema: "tern.flow/v1",
      name: "Never run",
      trigger: { type: "api" },
      steps: [{ id: "hello", type: "send", text: "Hello" }],
    });
    expect(other.status).toBe(201);
    const otherId = ((await other.json()) as { id: string }).id;
    const before = await items();
    expect(before.find((f) => f.id === stack.setup.flowId)?.lastRunAt).toBeNull();

    const startedAfter = Date.now();
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315550101", "Ada");
    expect((await customer.say("Hi")).status).toBe(200);
    await customer.waitForReplies(1);
    await eventually(async () => {
      const lead = (await items()).find((f) => f.id === stack.setup.flowId);
      return typeof lead?.lastRunAt === "number";
    });
    const after = await items();
    const lead = after.find((f) => f.id === stack.setup.flowId);
    expect(lead?.lastRunAt).toBeGreaterThanOrEqual(startedAfter - 1_000);
    expect(lead?.lastRunAt).toBeLessThanOrEqual(Date.now());
    expect(after.find((f) => f.id === otherId)?.lastRunAt).toBeNull();
  });
});
