import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Versions you can trust: publishing a new version while 100 conversations wait on the old one.
 * By default they finish on the version they started on; with `waitingRuns: "move"` those waiting
 * at a step the new version still has continue there on the new version, the others stay; and
 * publishing an older version again (a rollback) is what new conversations get. Every customer
 * is a real WhatsApp webhook through the simulator; the runs are read back from the store.
 */
const version = (label: string, second: { id: string; text: string }) => ({
  schema: "tern.flow/v1",
  name: "Versioned questions",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "ask_name", type: "ask", text: `${label}: your name?`, save: "name", next: second.id },
    { id: second.id, type: "ask", text: `${label}: ${second.text}`, save: "place", next: "done" },
    { id: "done", type: "send", text: `${label}: thanks {{ vars.name }}` },
  ],
});
const v1 = version("v1", { id: "ask_city", text: "your city?" });
// v2 keeps ask_name and done, and replaces ask_city with ask_town.
const v2 = version("v2", { id: "ask_town", text: "your town?" });

type Customer = ReturnType<typeof createCustomer>;
type Publish = {
  publishedVersion: number;
  previousVersion: number | null;
  waitingRuns: { policy: string; moved: number; stayed: number };
};

describe("publishing while 100 runs wait", () => {
  let stack: Stack;
  let flowId: string;
  let next = 0;

  beforeAll(async () => {
    stack = await startStack({ flow: v1 });
    flowId = stack.setup.flowId;
    const res = await stack.http("PUT", `/api/v1/flows/${flowId}`, v2);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { version: number }).version).toBe(2);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const customers = (n: number): Customer[] =>
    Array.from({ length: n }, () =>
      createCustomer(stack.sandbox, stack.setup.webhookUrl, `3361${String(next++).padStart(7, "0")}`),
    );
  const lastText = (c: Customer) => c.received().at(-1)?.text;
  /** Each says `text` and gets its `count`-th message. */
  async function say(group: Customer[], text: string, count: number) {
    await Promise.all(group.map((c) => c.say(text)));
    await eventually(
      () => group.every((c) => c.received().length >= count),
      20_000,
      `${group.length} customers to get message ${count}`,
    );
  }
  async function publish(body: Record<string, unknown>): Promise<Publish> {
    const res = await stack.http("POST", `/api/v1/flows/${flowId}/publish`, body);
    expect(res.status).toBe(200);
    return (await res.json()) as Publish;
  }
  /** The group's runs once all have `status` (a step's state commits just after its send). */
  const runsIn = (group: Customer[], status: "waiting" | "completed", atStep?: string) =>
    eventually(async () => {
      const runs = await stack.tern.store.runs.list({ flowId, limit: 1000 });
      const keys = new Set(group.map((c) => c.from));
      const mine = runs.filter((r) => keys.has(r.conversationKey.split(":").at(-1) ?? ""));
      const isThere = (r: (typeof mine)[number]) =>
        r.status === status && (atStep === undefined || r.state.wait?.stepId === atStep);
      return mine.length === group.length && mine.every(isThere) ? mine : null;
    });
  const completedRuns = (group: Customer[]) => runsIn(group, "completed");

  it("by default they finish on v1 while new conversations start on v2", async () => {
    const waiting = customers(100);
    await say(waiting, "hi", 1);
    expect(new Set(waiting.map(lastText))).toEqual(new Set(["v1: your name?"]));
    await runsIn(waiting, "waiting", "ask_name");

    const published = await publish({ version: 2 });
    expect(published).toMatchObject({
      publishedVersion: 2,
      previousVersion: 1,
      waitingRuns: { policy: "stay", moved: 0, stayed: 100 },
    });

    const [newcomer] = customers(1);
    await say([newcomer!], "hi", 1);
    expect(lastText(newcomer!)).toBe("v2: your name?");

    await say(waiting, "Ada", 2);
    expect(new Set(waiting.map(lastText))).toEqual(new Set(["v1: your city?"]));
    await say(waiting, "Paris", 3);
    expect(new Set(waiting.map(lastText))).toEqual(new Set(["v1: thanks Ada"]));
    const runs = await completedRuns(waiting);
    expect(new Set(runs.map((r) => r.flowVersion))).toEqual(new Set([1]));
    await say([newcomer!], "Bo", 2);
    expect(lastText(newcomer!)).toBe("v2: your town?");
  });

  it("rollback: publishing v1 again is what new conversations get", async () => {
    const rolledBack = await publish({ version: 1 });
    expect(rolledBack).toMatchObject({ publishedVersion: 1, previousVersion: 2 });
    const [newcomer] = customers(1);
    await say([newcomer!], "hi", 1);
    expect(lastText(newcomer!)).toBe("v1: your name?");
    await say([newcomer!], "Cy", 2);
    await say([newcomer!], "Rome", 3);
    expect(lastText(newcomer!)).toBe("v1: thanks Cy");

    const res = await stack.http("GET", `/api/v1/flows/${flowId}/versions`);
    const { items } = (await res.json()) as {
      items: Array<{ version: number; isPublished: boolean; createdAt: number; publishedAt: number | null }>;
    };
    expect(items.map((v) => [v.version, v.isPublished])).toEqual([
      [2, false],
      [1, true],
    ]);
    // Both were published; v1 again later (the rollback).
    expect(items.every((v) => v.createdAt > 0 && v.publishedAt !== null)).toBe(true);
    expect(items[1]!.publishedAt!).toBeGreaterThanOrEqual(items[0]!.publishedAt!);
  });

  it("with the move policy, runs waiting at a step v2 still has continue on v2 there; the others stay on v1", async () => {
    const atName = customers(90);
    const atCity = customers(10);
    await say([...atName, ...atCity], "hi", 1);
    await say(atCity, "Dee", 2); // now waiting at ask_city, which v2 does not have
    await runsIn(atName, "waiting", "ask_name");
    await runsIn(atCity, "waiting", "ask_city");

    const published = await publish({ version: 2, waitingRuns: "move" });
    // The newcomer of the first test still waits at ask_town on v2: not counted, already there.
    expect(published.waitingRuns).toEqual({ policy: "move", moved: 90, stayed: 10 });

    await say(atName, "Eve", 2);
    expect(new Set(atName.map(lastText))).toEqual(new Set(["v2: your town?"]));
    await say(atName, "Oslo", 3);
    expect(new Set(atName.map(lastText))).toEqual(new Set(["v2: thanks Eve"]));
    await say(atCity, "Lima", 3);
    expect(new Set(atCity.map(lastText))).toEqual(new Set(["v1: thanks Dee"]));

    const moved = await completedRuns(atName);
    expect(new Set(moved.map((r) => r.flowVersion))).toEqual(new Set([2]));
    const stayed = await completedRuns(atCity);
    expect(new Set(stayed.map((r) => r.flowVersion))).toEqual(new Set([1]));
  });
});
