import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../core/app-error.js";
import { createEngine } from "./engine.js";
import type { RunState } from "./runtime.js";
import type { Flow } from "./schema.js";
import { defineStep } from "./step.js";
import { builtinSteps, createStepRegistry } from "./step-registry.js";
import { createFakeHost, type FakeHost } from "./testing/fake-host.js";
import { validateFlow } from "./validate.js";

const HOUR = 3_600_000;

function loadTemplate(): Flow {
  const raw = JSON.parse(
    readFileSync(new URL("../../templates/whatsapp-lead.json", import.meta.url), "utf8"),
  );
  return parse(raw);
}

function parse(raw: unknown): Flow {
  const result = validateFlow(raw);
  if (!result.flow) throw new Error(JSON.stringify(result.errors));
  return result.flow;
}

function flowOf(steps: unknown[], extra: Record<string, unknown> = {}): Flow {
  return parse({
    schema: "tern.flow/v1",
    name: "t",
    trigger: { type: "message", channels: ["whatsapp"] },
    steps,
    ...extra,
  });
}

const engine = createEngine();

async function startRun(flow: Flow, host: FakeHost, runId = "run_1"): Promise<RunState> {
  return engine.advance(
    flow,
    engine.newRun(runId, flow, 1, "flow_1"),
    { type: "start", message: host.inbound("hi") },
    host,
  );
}

async function reply(
  flow: Flow,
  state: RunState,
  host: FakeHost,
  text: string,
  inboxId = 1,
): Promise<RunState> {
  return engine.advance(flow, state, { type: "reply", message: host.inbound(text), inboxId }, host);
}

describe("engine: WhatsApp lead template", () => {
  it("asks name and company, creates the Lead once with the exact fields and confirms with its id", async () => {
    const flow = loadTemplate();
    const host = createFakeHost();
    host.onCall = () => ({ id: "00Q5e00000AbCdEAAV", success: true, errors: [] });

    let state = await startRun(flow, host);
    expect(state.status).toBe("waiting");
    expect(state.wait).toMatchObject({
      stepId: "ask_name",
      visit: 1,
      for: "reply",
      timeoutAt: host.clock.now + 24 * HOUR,
    });
    expect(host.sent.map((s) => s.text)).toEqual(["Hi! Thanks for getting in touch. What's your name?"]);

    state = await reply(flow, state, host, "  Ada Lovelace ");
    expect(state.vars).toEqual({ name: "Ada Lovelace" });
    expect(host.sent[1]?.text).toBe("Thanks Ada Lovelace! Which company are you with?");

    state = await reply(flow, state, host, "Analytical Engines Ltd", 2);
    expect(state.status).toBe("completed");
    expect(host.calls).toEqual([
      {
        key: "run_1:3:0",
        connection: "salesforce",
        action: "create",
        input: {
          object: "Lead",
          fields: {
            LastName: "Ada Lovelace",
            Company: "Analytical Engines Ltd",
            Phone: "+16315551181",
            LeadSource: "WhatsApp",
            Description: [
              "Customer: hi",
              "Bot: Hi! Thanks for getting in touch. What's your name?",
              "Customer:   Ada Lovelace ",
              "Bot: Thanks Ada Lovelace! Which company are you with?",
              "Customer: Analytical Engines Ltd",
            ].join("\n"),
          },
        },
      },
    ]);
    expect(host.sent.at(-1)?.text).toContain("Your reference is 00Q5e00000AbCdEAAV.");
    expect(state.steps.create_lead).toEqual({ id: "00Q5e00000AbCdEAAV", success: true, errors: [] });
    expect(host.persisted.map((p) => [p.record.stepId, p.record.status, p.record.next])).toEqual([
      ["ask_name", "waiting", null],
      ["ask_name", "completed", "ask_company"],
      ["ask_company", "waiting", null],
      ["ask_company", "completed", "create_lead"],
      ["create_lead", "completed", "confirm"],
      ["confirm", "completed", null],
    ]);
  });

  it("persists after every step with the rendered input, output, timing and the state after the step", async () => {
    const flow = loadTemplate();
    const host = createFakeHost();
    let state = await startRun(flow, host);
    state = await reply(flow, state, host, "Ada");
    host.clock.now += 1000;
    await reply(flow, state, host, "ACME", 2);
    const create = host.persisted.find((p) => p.record.stepId === "create_lead");
    expect(create?.record).toMatchObject({
      runId: "run_1",
      visit: 3,
      stepType: "salesforce.create",
      input: { connection: "salesforce", object: "Lead", fields: { LastName: "Ada", Company: "ACME" } },
      output: { id: "00Q000000000001AAA" },
      error: null,
      startedAt: host.clock.now,
      endedAt: host.clock.now,
    });
    expect(create?.state).toMatchObject({
      status: "running",
      cursor: { stepId: "confirm", visit: 4 },
      visits: 4,
    });
  });

  it("takes onError with the error as the step output when Salesforce fails", async () => {
    const flow = loadTemplate();
    const host = createFakeHost();
    host.onCall = () => {
      throw new AppError("SALESFORCE_REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]");
    };
    let state = await startRun(flow, host);
    state = await reply(flow, state, host, "Ada");
    state = await reply(flow, state, host, "ACME", 2);
    expect(state.status).toBe("completed");
    expect(state.steps.create_lead).toEqual({
      error: {
        code: "SALESFORCE_REQUIRED_FIELD_MISSING",
        message: "Required fields are missing: [LastName]",
      },
    });
    expect(host.sent.at(-1)?.text).toMatch(/^Sorry, something went wrong/);
    const failed = host.persisted.find((p) => p.record.stepId === "create_lead")?.record;
    expect(failed).toMatchObject({
      status: "failed",
      next: "sorry",
      error: { code: "SALESFORCE_REQUIRED_FIELD_MISSING" },
    });
  });

  it("takes onTimeout once the clock passes the deadline, and not before", async () => {
    const flow = loadTemplate();
    const host = createFakeHost();
    const waiting = await startRun(flow, host);

    host.clock.now += 24 * HOUR - 1;
    const early = await engine.advance(flow, waiting, { type: "timeout" }, host);
    expect(early).toBe(waiting);

    host.clock.now += 1;
    const state = await engine.advance(flow, waiting, { type: "timeout" }, host);
    expect(state.status).toBe("completed");
    expect(state.steps.ask_name).toEqual({ timedOut: true });
    expect(host.sent.at(-1)?.text).toBe("No worries — write to us again any time.");
  });
});

describe("engine: events that do not apply", () => {
  it("ignores a reply when the run is not waiting, and a timeout on a wait without deadline", async () => {
    const flow = flowOf([{ id: "a", type: "ask", text: "?", save: "x" }]);
    const host = createFakeHost();
    const fresh = engine.newRun("r", flow, 1);
    expect(await reply(flow, fresh, host, "hello")).toBe(fresh);
    const waiting = await startRun(flow, host);
    host.clock.now += 365 * 24 * HOUR;
    expect(await engine.advance(flow, waiting, { type: "timeout" }, host)).toBe(waiting);
    const done = await reply(flow, waiting, host, "x");
    expect(done.status).toBe("completed");
    expect(await reply(flow, done, host, "again")).toBe(done);
    expect(await engine.advance(flow, done, { type: "continue" }, host)).toBe(done);
  });

  it("ends the run at a timeout without onTimeout", async () => {
    const flow = flowOf([
      { id: "a", type: "ask", text: "?", save: "x", timeout: "PT30S", next: "b" },
      { id: "b", type: "send", text: "b" },
    ]);
    const host = createFakeHost();
    const waiting = await startRun(flow, host);
    host.clock.now += 30_000;
    const state = await engine.advance(flow, waiting, { type: "timeout" }, host);
    expect(state).toMatchObject({ status: "completed", cursor: null, wait: null });
    expect(host.sent).toHaveLength(1);
  });
});

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

describe("engine: failures", () => {
  it("fails the run with state.error when a step without onError throws", async () => {
    const flow = flowOf([
      {
        id: "lead",
        type: "salesforce.create",
        connection: "sf",
        object: "Lead",
        fields: { LastName: "x" },
        next: "ok",
      },
      { id: "ok", type: "send", text: "ok" },
    ]);
    const host = createFakeHost();
    host.onCall = () => {
      throw new AppError("SALESFORCE_API_DISABLED", "Tick API Enabled on the user's profile.");
    };
    const state = await startRun(flow, host);
    expect(state).toMatchObject({
      status: "failed",
      cursor: null,
      error: {
        code: "SALESFORCE_API_DISABLED",
        message: "Tick API Enabled on the user's profile.",
        stepId: "lead",
      },
    });
    expect(host.sent).toEqual([]);
  });

  it("wraps unknown exceptions as INTERNAL and template errors as TEMPLATE_ERROR", async () => {
    const host = createFakeHost();
    host.onCall = () => {
      throw new TypeError("boom");
    };
    const flow = flowOf([
      { id: "lead", type: "salesforce.create", connection: "sf", object: "Lead", fields: { LastName: "x" } },
    ]);
    expect((await startRun(flow, host)).error).toMatchObject({
      code: "INTERNAL",
      message: "Unexpected error: boom",
    });

    const bad = flowOf([{ id: "s", type: "send", text: "{{ vars.n | divided_by: 0 | round: 'x' }}" }]);
    const failing = createEngine({
      steps: createStepRegistry([
        defineStep({
          type: "send",
          title: "x",
          config: z.strictObject({ id: z.string(), type: z.literal("send"), text: z.string() }),
          start: (ctx) => ({ kind: "next", next: null, output: ctx.render("{% if %}") }),
        }),
      ]),
    });
    const state = await failing.advance(bad, failing.newRun("r2", bad, 1), { type: "continue" }, host);
    expect(state.error?.code).toBe("TEMPLATE_ERROR");
  });
});

describe("engine: crash recovery", () => {
  it("re-executes the cursor visit on continue with the same effect keys, so effects happen once", async () => {
    const flow = loadTemplate();
    const host = createFakeHost();
    let state = await startRun(flow, host);
    state = await reply(flow, state, host, "Ada");

    // The worker dies after the Salesforce call, before persisting create_lead.
    let persists = 0;
    const crashing: FakeHost = {
      ...host,
      persist: async (s, r) => {
        if (++persists === 2) throw new Error("process died");
        await host.persist(s, r);
      },
    };
    await expect(reply(flow, state, crashing, "ACME", 2)).rejects.toThrow("process died");
    expect(host.calls).toHaveLength(1);
    const saved = host.persisted.at(-1)?.state as RunState;
    expect(saved).toMatchObject({ status: "running", cursor: { stepId: "create_lead", visit: 3 } });

    const keysBefore = host.requestedKeys.length;
    state = await engine.advance(flow, saved, { type: "continue" }, host);
    expect(state.status).toBe("completed");
    expect(host.calls).toHaveLength(1);
    expect(host.requestedKeys.slice(keysBefore)).toEqual(["run_1:3:0", "run_1:4:0"]);
    expect(host.sent.at(-1)?.text).toContain("00Q000000000001AAA");
  });

  it("a reply redelivered after a crash reuses the re-ask key, so the contact gets it once", async () => {
    const flow = flowOf([{ id: "age", type: "ask", text: "Age?", save: "age", expect: "number" }]);
    const host = createFakeHost();
    const waiting = await startRun(flow, host);
    const dying: FakeHost = { ...host, persist: async () => Promise.reject(new Error("process died")) };
    await expect(reply(flow, waiting, dying, "old")).rejects.toThrow("process died");
    const state = await reply(flow, waiting, host, "old");
    expect(state.wait).toMatchObject({ effectCount: 2, state: { retries: 1 } });
    expect(host.sent.map((s) => s.key)).toEqual(["run_1:1:0", "run_1:1:1"]);
    await reply(flow, state, host, "still old", 2);
    expect(host.sent.map((s) => s.key)).toEqual(["run_1:1:0", "run_1:1:1", "run_1:1:2"]);
  });

  it("continue on a running run executes the persisted cursor with its visit number", async () => {
    const flow = flowOf([
      { id: "hello", type: "send", text: "hello", next: "lead" },
      {
        id: "lead",
        type: "salesforce.create",
        connection: "sf",
        object: "Lead",
        fields: { LastName: "x" },
        next: "bye",
      },
      { id: "bye", type: "send", text: "bye {{ steps.lead.id }}" },
    ]);
    const host = createFakeHost();
    let persists = 0;
    const crashing = {
      ...host,
      persist: async (s: RunState, r: Parameters<FakeHost["persist"]>[1]) => {
        if (++persists === 2) throw new Error("process died");
        await host.persist(s, r);
      },
    };
    await expect(startRun(flow, crashing)).rejects.toThrow("process died");
    const saved = host.persisted.at(-1)?.state as RunState;
    expect(saved).toMatchObject({ status: "running", cursor: { stepId: "lead", visit: 2 } });

    const state = await engine.advance(flow, saved, { type: "continue" }, host);
    expect(state.status).toBe("completed");
    expect(host.calls.map((c) => c.key)).toEqual(["run_1:2:0"]);
    expect(host.sent.map((s) => s.text)).toEqual(["hello", "bye 00Q000000000001AAA"]);
    expect(host.requestedKeys).toEqual(["run_1:1:0", "run_1:2:0", "run_1:2:0", "run_1:3:0"]);
  });

  it("never re-executes a finished step: the state handed in is not mutated", async () => {
    const flow = loadTemplate();
    const host = createFakeHost();
    const initial = engine.newRun("run_1", flow, 1);
    const snapshot = structuredClone(initial);
    await engine.advance(flow, initial, { type: "start" }, host);
    expect(initial).toEqual(snapshot);
  });
});

describe("engine: registry", () => {
  it("knows every built-in step type including salesforce.create", () => {
    expect(builtinSteps.map((s) => s.type)).toEqual([
      "send",
      "ask",
      "branch",
      "set",
      "end",
      "salesforce.create",
    ]);
  });
});

describe("engine: unparsed flows", () => {
  it("applies step defaults itself when handed a flow that skipped validateFlow", async () => {
    const raw = {
      schema: "tern.flow/v1",
      name: "raw",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [{ id: "n", type: "ask", text: "Number?", save: "n", expect: "number" }],
    } as unknown as Flow;
    const host = createFakeHost();
    let state = await startRun(raw, host);
    state = await reply(raw, state, host, "x");
    expect(state.status).toBe("waiting");
    expect(host.sent).toHaveLength(2);
  });

  it("fails with FLOW_INVALID on a step that does not match its schema", async () => {
    const raw = {
      schema: "tern.flow/v1",
      name: "raw",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [{ id: "s", type: "send" }],
    } as unknown as Flow;
    const state = await startRun(raw, createFakeHost());
    expect(state.error).toMatchObject({ code: "FLOW_INVALID", stepId: "s" });
    expect(state.error?.message).toMatch(/does not match the send schema \(text:/);
  });
});
