import { describe, expect, it } from "vitest";
import { engine, flowOf, HOUR, reply, startRun } from "./testing/engine-fixtures.js";
import { createFakeHost } from "./testing/fake-host.js";

describe("engine: ask validation", () => {
  const askAge = (extra: Record<string, unknown> = {}) =>
    flowOf([
      {
        id: "age",
        type: "ask",
        text: "How old are you?",
        save: "age",
        expect: "number",
        next: "ok",
        ...extra,
      },
      { id: "ok", type: "send", text: "Age {{ vars.age }}" },
      { id: "human", type: "send", text: "A person will help you." },
    ]);

  it("re-asks on an invalid answer, then saves the valid one as a number", async () => {
    const flow = askAge({ retryText: "Digits please, {{ contact.name }}." });
    const host = createFakeHost();
    let state = await startRun(flow, host);
    state = await reply(flow, state, host, "forty");
    expect(state.status).toBe("waiting");
    expect(host.sent.map((s) => s.text)).toEqual(["How old are you?", "Digits please, Ada."]);
    state = await reply(flow, state, host, "42", 2);
    expect(state.vars.age).toBe(42);
    expect(host.sent.at(-1)?.text).toBe("Age 42");
    expect(host.sent.map((s) => s.key)).toEqual(
      ["r:1:0", "r:1:1", "r:2:0"].map((k) => k.replace("r:", "run_1:")),
    );
  });

  it("takes onInvalid after maxRetries re-asks", async () => {
    const flow = askAge({ maxRetries: 1, onInvalid: "human" });
    const host = createFakeHost();
    let state = await startRun(flow, host);
    state = await reply(flow, state, host, "a");
    state = await reply(flow, state, host, "b", 2);
    expect(state.status).toBe("completed");
    expect(host.sent.map((s) => s.text)).toEqual([
      "How old are you?",
      "Please answer with a number, for example 42.",
      "A person will help you.",
    ]);
  });

  it("fails the run with a clear error after maxRetries when there is no onInvalid", async () => {
    const flow = askAge({ maxRetries: 0 });
    const host = createFakeHost();
    let state = await startRun(flow, host);
    state = await reply(flow, state, host, "no");
    expect(state.status).toBe("failed");
    expect(state.error).toMatchObject({ code: "VALIDATION_FAILED", stepId: "age" });
    expect(state.error?.message).toMatch(/1 invalid answers to step "age".*Add "onInvalid"/);
  });

  it("keeps the original deadline across re-asks", async () => {
    const flow = askAge({ timeout: "PT1H", onTimeout: "human" });
    const host = createFakeHost();
    let state = await startRun(flow, host);
    const deadline = state.wait?.timeoutAt;
    host.clock.now += HOUR / 2;
    state = await reply(flow, state, host, "nope");
    expect(state.wait?.timeoutAt).toBe(deadline);
    host.clock.now += HOUR / 2;
    state = await engine.advance(flow, state, { type: "timeout" }, host);
    expect(host.sent.at(-1)?.text).toBe("A person will help you.");
  });

  it("saves a choice id from a tapped button, a title or a number, and sends the buttons", async () => {
    const flow = flowOf([
      {
        id: "pick",
        type: "ask",
        text: "Sales or support?",
        save: "topic",
        expect: "choice",
        choices: [
          { id: "sales", title: "Sales" },
          { id: "support", title: "Support" },
        ],
        next: "echo",
      },
      { id: "echo", type: "send", text: "{{ vars.topic }}/{{ steps.pick.choice.title }}" },
    ]);
    for (const [answer, expected] of [
      ["SUPPORT", "support/Support"],
      ["1", "sales/Sales"],
    ] as const) {
      const host = createFakeHost();
      const state = await reply(flow, await startRun(flow, host), host, answer);
      expect(state.vars.topic).toBe(expected.split("/")[0]);
      expect(host.sent.at(-1)?.text).toBe(expected);
      expect(host.sent[0]?.choices).toEqual([
        { id: "sales", title: "Sales" },
        { id: "support", title: "Support" },
      ]);
    }
    const host = createFakeHost();
    const waiting = await startRun(flow, host);
    const tapped = host.inbound("Support", {
      content: { type: "choice", id: "support", title: "Support", text: "Support" },
    });
    const state = await engine.advance(flow, waiting, { type: "reply", message: tapped, inboxId: 9 }, host);
    expect(state.vars.topic).toBe("support");
    expect(state.message).toMatchObject({ type: "choice", choice: { id: "support", title: "Support" } });
  });
});

describe("engine: branch, set and end", () => {
  it("routes on conditions over vars with else as fallback", async () => {
    const flow = flowOf([
      { id: "init", type: "set", vars: { age: 20, tags: ["vip"], name: "{{ contact.name }}" }, next: "b" },
      {
        id: "b",
        type: "branch",
        conditions: [
          {
            when: {
              all: [
                { left: "vars.age", op: "gte", right: 18 },
                { left: "vars.tags", op: "contains", right: "vip" },
              ],
            },
            next: "vip",
          },
          { when: { left: "vars.age", op: "gte", right: 18 }, next: "adult" },
        ],
        else: "minor",
      },
      { id: "vip", type: "send", text: "VIP {{ vars.name }}", next: "stop" },
      { id: "adult", type: "send", text: "adult" },
      { id: "minor", type: "send", text: "minor" },
      { id: "stop", type: "end", status: "ended" },
    ]);
    const host = createFakeHost();
    const state = await startRun(flow, host);
    expect(host.sent.map((s) => s.text)).toEqual(["VIP Ada"]);
    expect(state.status).toBe("ended");
    expect(state.steps.b).toEqual({ matched: 0, next: "vip" });
  });

  it("fails the loop guard after 100 steps without waiting", async () => {
    const flow = flowOf([
      { id: "a", type: "set", vars: { n: 1 }, next: "b" },
      { id: "b", type: "set", vars: { n: 2 }, next: "a" },
    ]);
    const host = createFakeHost();
    const state = await startRun(flow, host);
    expect(state.status).toBe("failed");
    expect(state.error?.code).toBe("FLOW_INVALID");
    expect(state.error?.message).toMatch(/executed 100 steps without waiting.*a → b/);
    expect(host.persisted).toHaveLength(101);
    expect(host.persisted.at(-1)?.record).toMatchObject({ status: "failed", stepId: "a", visit: 101 });
  });
});
