import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitPoint } from "../../src/flows/steps/split.step.js";
import { type FlowStack, keywordFlow, startFlowStack } from "../helpers/flow-stack.js";
import { eventually } from "../helpers/in-process.js";

/** goto, split and wait through the real engine and store, played by a WhatsApp customer. */
const gotoFlow = keywordFlow("loop", [
  { id: "q", type: "ask", text: "Say yes to finish.", save: "answer", next: "check" },
  {
    id: "check",
    type: "branch",
    conditions: [{ when: { left: "vars.answer", op: "eq", right: "yes", ignoreCase: true }, next: "done" }],
    else: "again",
  },
  { id: "again", type: "goto", target: "q" },
  { id: "done", type: "send", text: "Finished." },
]);

const splitFlow = keywordFlow("offer", [
  {
    id: "ab",
    type: "split",
    paths: [
      { name: "discount", percent: 50, next: "a" },
      { name: "gift", percent: 50, next: "b" },
    ],
  },
  { id: "a", type: "send", text: "10% off today." },
  { id: "b", type: "send", text: "A free gift with your order." },
]);

const waitFlow = keywordFlow("later", [
  { id: "hold", type: "send", text: "Hold on, checking.", next: "pause" },
  { id: "pause", type: "wait", duration: "PT1S", next: "back" },
  { id: "back", type: "send", text: "Back: you wrote {{ steps.pause.messages }} message(s) meanwhile." },
]);

const untilFlow = keywordFlow("until", [
  { id: "when", type: "set", vars: { at: "{{ message.text | remove_first: 'until ' }}" }, next: "pause" },
  { id: "pause", type: "wait", until: "{{ vars.at }}", next: "back", onError: "bad" },
  { id: "back", type: "send", text: "Went on at {{ steps.pause.until }}." },
  { id: "bad", type: "send", text: "{{ steps.pause.error.code }}" },
]);

describe("goto, split and wait steps", () => {
  let env: FlowStack;
  let splitFlowId: string;
  beforeAll(async () => {
    env = await startFlowStack([gotoFlow, waitFlow, untilFlow]);
    splitFlowId = (await env.publish(splitFlow)).id;
  });
  afterAll(async () => {
    await env.close();
  });

  it("goto jumps back to the question until the answer lets the branch finish", async () => {
    const customer = env.customer("4915100000201");
    await customer.say("loop");
    await customer.replies(1);
    await customer.say("no");
    expect((await customer.replies(2))[1]?.text).toBe("Say yes to finish.");
    await customer.say("YES");
    expect((await customer.replies(3))[2]?.text).toBe("Finished.");
    const [run] = await customer.runs();
    expect(run?.state.steps.again).toEqual({ target: "q" });
  });

  it("goto to a step that does not exist is reported by validation", async () => {
    const bad = keywordFlow("bad", [
      { id: "jump", type: "goto", target: "nowhere" },
      { id: "spin", type: "goto", target: "spin" },
    ]);
    const result = (await (await env.stack.http("POST", "/api/v1/flows/validate", bad)).json()) as {
      errors: Array<{ path: string; message: string }>;
    };
    expect(result.errors).toContainEqual({
      path: "$.steps[0].target",
      stepId: "jump",
      message: expect.stringMatching(/^step "jump": step "nowhere" does not exist/),
    });
    expect(result.errors).toContainEqual({
      path: "$.steps[1].target",
      stepId: "spin",
      message: 'step "spin": a goto to itself loops forever; point it at another step',
    });
  });

  it("split sends each contact down the path its hash picks, the same path in every run", async () => {
    for (const from of ["4915100000211", "4915100000212", "4915100000213"]) {
      const customer = env.customer(from);
      await customer.say("offer");
      await customer.replies(1);
      await customer.say("offer");
      const [first, second] = await customer.replies(2);
      expect(second?.text).toBe(first?.text);
      const runs = await eventually(async () => {
        const done = (await customer.runs()).filter((r) => r.status === "completed");
        return done.length === 2 ? done : null;
      });
      const point = splitPoint(`${runs[0]?.contactId}:${splitFlowId}:ab`);
      const expected = point < 50 ? { path: "discount", next: "a" } : { path: "gift", next: "b" };
      for (const run of runs) expect(run.state.steps.ab).toMatchObject(expected);
      expect(first?.text).toBe(expected.next === "a" ? "10% off today." : "A free gift with your order.");
    }
  });

  it("split percents must add up to 100", async () => {
    const bad = keywordFlow("bad", [
      {
        id: "ab",
        type: "split",
        paths: [
          { percent: 60, next: "x" },
          { percent: 30, next: "x" },
        ],
      },
      { id: "x", type: "end" },
    ]);
    const result = (await (await env.stack.http("POST", "/api/v1/flows/validate", bad)).json()) as {
      errors: Array<{ path: string; message: string }>;
    };
    expect(result.errors).toContainEqual({
      path: "$.steps[0].paths",
      stepId: "ab",
      message: 'step "ab": the percents add up to 90; they must add up to 100',
    });
  });

  it("wait goes on after its duration; a message meanwhile is recorded and the wait continues", async () => {
    const customer = env.customer("4915100000221");
    const startedAt = Date.now();
    await customer.say("later");
    await customer.replies(1);
    await customer.say("are you there?");
    const replies = await customer.replies(2, 5_000);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect(replies[1]?.text).toBe("Back: you wrote 1 message(s) meanwhile.");
    const run = await eventually(async () => (await customer.runs()).find((r) => r.status === "completed"));
    expect(run.state.steps.pause).toMatchObject({ messages: 1 });
    const messages = await env.stack.tern.store.contacts.messagesOfRun(run.id);
    expect(messages.map((m) => `${m.direction}: ${m.text}`)).toEqual([
      "in: later",
      "out: Hold on, checking.",
      "in: are you there?",
      "out: Back: you wrote 1 message(s) meanwhile.",
    ]);
  });

  it("wait until a moment already past goes on at once; a text that is no moment takes onError", async () => {
    const customer = env.customer("4915100000222");
    await customer.say("until 2020-01-01T09:00:00+01:00");
    expect((await customer.replies(1))[0]?.text).toBe("Went on at 2020-01-01T08:00:00.000Z.");
    const other = env.customer("4915100000223");
    await other.say("until next tuesday");
    expect((await other.replies(1))[0]?.text).toBe("VALIDATION_FAILED");
  });
});
