import { describe, expect, it } from "vitest";
import type { RunState } from "../runtime.js";
import { engine, flowOf, reply, startRun } from "../testing/engine-fixtures.js";
import { createFakeHost } from "../testing/fake-host.js";
import { validateFlow } from "../validate.js";

/** ask's reminders and maxAttempts, driven through the engine on a movable clock. */
const MINUTE = 60_000;

const askWithReminders = (extra: Record<string, unknown> = {}) =>
  flowOf([
    {
      id: "q",
      type: "ask",
      text: "Your email?",
      save: "email",
      expect: "email",
      timeout: "PT30M",
      reminders: [
        { after: "PT20M", text: "Last reminder, {{ contact.name }}." },
        { after: "PT5M", text: "Still there?" },
      ],
      next: "ok",
      onTimeout: "bye",
      ...extra,
    },
    { id: "ok", type: "send", text: "Thanks." },
    { id: "bye", type: "send", text: "Bye." },
  ]);

const timeout = (flow: ReturnType<typeof flowOf>, state: RunState, host: ReturnType<typeof createFakeHost>) =>
  engine.advance(flow, state, { type: "timeout" }, host);

describe("ask reminders", () => {
  it("sends each reminder once, in order of `after`, then times out at the deadline", async () => {
    const flow = askWithReminders();
    const host = createFakeHost();
    const askedAt = host.clock.now;
    let state = await startRun(flow, host);
    expect(state.wait?.timeoutAt).toBe(askedAt + 5 * MINUTE);
    host.clock.now = askedAt + 5 * MINUTE;
    state = await timeout(flow, state, host);
    expect(state.status).toBe("waiting");
    expect(state.wait?.timeoutAt).toBe(askedAt + 20 * MINUTE);
    host.clock.now = askedAt + 20 * MINUTE;
    state = await timeout(flow, state, host);
    expect(state.wait?.timeoutAt).toBe(askedAt + 30 * MINUTE);
    // Not yet: the event does not apply and nothing is sent.
    expect(await timeout(flow, state, host)).toBe(state);
    host.clock.now = askedAt + 30 * MINUTE;
    state = await timeout(flow, state, host);
    expect(host.sent.map((s) => s.text)).toEqual([
      "Your email?",
      "Still there?",
      "Last reminder, Ada.",
      "Bye.",
    ]);
    expect(state.steps.q).toEqual({ timedOut: true });
  });

  it("a reminder replayed after a crash (same state, same keys) is sent once", async () => {
    const flow = askWithReminders();
    const host = createFakeHost();
    const waiting = await startRun(flow, host);
    host.clock.now += 6 * MINUTE;
    const first = await timeout(flow, waiting, host);
    // The process died before the persist: the stored state is still `waiting`; the timer fires again.
    const again = await timeout(flow, waiting, host);
    expect(again).toEqual(first);
    expect(host.sent.map((s) => s.text)).toEqual(["Your email?", "Still there?"]);
    expect(host.requestedKeys).toEqual(["run_1:1:0", "run_1:1:1", "run_1:1:1"]);
  });

  it("after a long outage sends only the latest due reminder, and none once answered", async () => {
    const flow = askWithReminders();
    const host = createFakeHost();
    let state = await startRun(flow, host);
    host.clock.now += 25 * MINUTE;
    state = await timeout(flow, state, host);
    expect(host.sent.map((s) => s.text)).toEqual(["Your email?", "Last reminder, Ada."]);
    expect(state.wait?.timeoutAt).toBe(host.clock.now + 5 * MINUTE);
    state = await reply(flow, state, host, "ada@example.com");
    expect(state.status).toBe("completed");
    expect(host.sent.at(-1)?.text).toBe("Thanks.");
  });

  it("re-asks keep the reminders' schedule and numbering of effect keys", async () => {
    const flow = askWithReminders();
    const host = createFakeHost();
    let state = await startRun(flow, host);
    host.clock.now += MINUTE;
    state = await reply(flow, state, host, "not an email");
    expect(state.wait?.timeoutAt).toBe(host.clock.now + 4 * MINUTE);
    host.clock.now += 4 * MINUTE;
    state = await timeout(flow, state, host);
    expect(host.sent.map((s) => s.key)).toEqual(["run_1:1:0", "run_1:1:1", "run_1:1:2"]);
    expect(host.sent.at(-1)?.text).toBe("Still there?");
  });

  it("a wait stored before reminders existed keeps working (no reminders sent)", async () => {
    const flow = askWithReminders();
    const host = createFakeHost();
    const state = await startRun(flow, host);
    const legacy = structuredClone(state);
    const old = legacy.wait?.state as Record<string, unknown>;
    delete old.askedAt;
    delete old.reminded;
    if (legacy.wait) legacy.wait.timeoutAt = old.timeoutAt as number;
    host.clock.now = old.timeoutAt as number;
    const done = await timeout(flow, legacy, host);
    expect(host.sent.map((s) => s.text)).toEqual(["Your email?", "Bye."]);
    expect(done.status).toBe("completed");
  });
});

describe("ask maxAttempts", () => {
  const flow = (extra: Record<string, unknown>) =>
    flowOf([
      { id: "q", type: "ask", text: "Age?", save: "age", expect: "number", onInvalid: "human", ...extra },
      { id: "human", type: "send", text: "A person will help." },
    ]);

  it("maxAttempts 1 takes onInvalid at the first invalid answer (no re-ask)", async () => {
    const host = createFakeHost();
    const f = flow({ maxAttempts: 1 });
    const state = await reply(f, await startRun(f, host), host, "old");
    expect(host.sent.map((s) => s.text)).toEqual(["Age?", "A person will help."]);
    expect(state.status).toBe("completed");
  });

  it("without either limit, three answers in all (maxRetries 2) as before", async () => {
    const host = createFakeHost();
    const f = flow({});
    let state = await startRun(f, host);
    for (const text of ["a", "b", "c"]) state = await reply(f, state, host, text);
    expect(host.sent.map((s) => s.text)).toEqual([
      "Age?",
      "Please answer with a number, for example 42.",
      "Please answer with a number, for example 42.",
      "A person will help.",
    ]);
  });

  it("validation refuses a maxAttempts that contradicts maxRetries, and a reminder after the timeout", () => {
    const result = validateFlow({
      schema: "tern.flow/v1",
      name: "t",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [
        {
          id: "q",
          type: "ask",
          text: "Age?",
          save: "age",
          maxRetries: 1,
          maxAttempts: 3,
          timeout: "PT10M",
          reminders: [{ after: "PT10M", text: "Hello?" }],
        },
      ],
    });
    expect(result.errors).toEqual([
      {
        path: "$.steps[0].maxAttempts",
        stepId: "q",
        message: 'step "q": maxAttempts 3 allows 2 re-asks but maxRetries says 1; give one of them',
      },
      {
        path: "$.steps[0].reminders[0].after",
        stepId: "q",
        message: 'step "q": this reminder (PT10M) is never sent: the question times out first (PT10M)',
      },
    ]);
  });

  it("validation refuses two reminders due at the same time: only one of them would be sent", () => {
    const result = validateFlow({
      schema: "tern.flow/v1",
      name: "t",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [
        {
          id: "q",
          type: "ask",
          text: "Age?",
          save: "age",
          timeout: "PT1H",
          reminders: [
            { after: "PT5M", text: "Hello?" },
            { after: "PT20M", text: "Anyone?" },
            { after: "PT300S", text: "Still there?" },
          ],
        },
      ],
    });
    expect(result.errors).toEqual([
      {
        path: "$.steps[0].reminders[2].after",
        stepId: "q",
        message:
          'step "q": this reminder is due at the same time as reminders[0] (PT5M); only one of them would be sent: put both texts in one reminder',
      },
    ]);
  });
});

describe("a tap on another message's button", () => {
  const tap = (
    flow: ReturnType<typeof flowOf>,
    state: RunState,
    host: ReturnType<typeof createFakeHost>,
    id: string,
    title: string,
  ) =>
    engine.advance(
      flow,
      state,
      {
        type: "reply",
        message: host.inbound(title, { content: { type: "choice", id, title, text: title } }),
        inboxId: 2,
      },
      host,
    );

  it("answers no question that does not show that button: the question waits on, re-asking nothing", async () => {
    const flow = flowOf([
      {
        id: "offer",
        type: "send",
        text: "Want a call?",
        choices: [{ id: "yes", title: "Yes" }],
        next: "name",
      },
      { id: "name", type: "ask", text: "Your name?", save: "name", next: "thanks" },
      { id: "thanks", type: "send", text: "Thanks {{ vars.name }}." },
    ]);
    const host = createFakeHost();
    let state = await startRun(flow, host);
    expect(state.wait?.stepId).toBe("name");
    state = await tap(flow, state, host, "yes", "Yes");
    expect(state.status).toBe("waiting");
    expect(state.vars.name).toBeUndefined();
    expect(host.sent.map((m) => m.text)).toEqual(["Want a call?", "Your name?"]);
    state = await reply(flow, state, host, "Ada", 3);
    expect(host.sent.at(-1)?.text).toBe("Thanks Ada.");
  });

  it("a menu takes its own buttons and ignores another's; a free-text question with suggestions records the tapped one", async () => {
    const menu = flowOf([
      {
        id: "m",
        type: "menu",
        text: "Pick",
        choices: [
          { id: "a", title: "Apples", next: "done" },
          { id: "b", title: "Pears", next: "done" },
        ],
      },
      { id: "done", type: "send", text: "ok" },
    ]);
    const host = createFakeHost();
    let state = await startRun(menu, host);
    state = await tap(menu, state, host, "stale", "Old button");
    expect(state.status).toBe("waiting");
    state = await tap(menu, state, host, "b", "Pears");
    expect(state.steps.m).toMatchObject({ value: "b", choice: { id: "b", title: "Pears" } });

    const suggest = flowOf([
      { id: "q", type: "ask", text: "Topic?", save: "topic", choices: [{ id: "billing", title: "Billing" }] },
    ]);
    const other = createFakeHost();
    let asked = await startRun(suggest, other);
    asked = await tap(suggest, asked, other, "billing", "Billing");
    expect(asked.vars.topic).toBe("Billing");
    expect(asked.steps.q).toMatchObject({ choice: { id: "billing", title: "Billing" } });
  });
});

describe("ask with templated choice titles", () => {
  it("matches and records the titles as the contact saw them, rendered", async () => {
    const flow = flowOf([
      { id: "plan", type: "set", vars: { plan: "Gold" }, next: "q" },
      {
        id: "q",
        type: "ask",
        text: "Keep your plan?",
        save: "pick",
        expect: "choice",
        choices: [
          { id: "keep", title: "Keep {{ vars.plan }}" },
          { id: "cancel", title: "Cancel" },
        ],
      },
    ]);
    const host = createFakeHost();
    let state = await startRun(flow, host);
    state = await reply(flow, state, host, "keep gold");
    expect(state.vars.pick).toBe("keep");
    expect(state.steps.q).toMatchObject({ choice: { id: "keep", title: "Keep Gold" } });
  });
});
