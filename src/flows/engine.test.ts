import { describe, expect, it } from "vitest";
import { AppError } from "../core/app-error.js";
import type { Flow } from "./schema.js";
import { coreSteps } from "./step-registry.js";
import { engine, flowOf, HOUR, loadTemplate, reply, startRun } from "./testing/engine-fixtures.js";
import { createFakeHost } from "./testing/fake-host.js";

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
      // What was sent, rendered, as a success shows it: not the step's templates.
      input: { connection: "salesforce", object: "Lead", fields: { LastName: "Ada", Company: "ACME" } },
    });
    expect(JSON.stringify(failed?.input)).not.toContain("{{");
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

describe("engine: the transcript", () => {
  it("is read from the host before a step that mentions the conversation, as it is then, and only then", async () => {
    const flow = flowOf([
      { id: "hello", type: "send", text: "Hello", next: "echo" },
      { id: "echo", type: "send", text: "So far: {{ conversation.transcript }}", next: "bye" },
      { id: "bye", type: "send", text: "Bye" },
    ]);
    const host = createFakeHost();
    const read = host.transcript;
    let reads = 0;
    host.transcript = () => {
      reads++;
      return read();
    };
    await startRun(flow, host);
    expect(reads).toBe(1);
    expect(host.sent.map((s) => s.text)).toEqual(["Hello", "So far: Customer: hi\nBot: Hello", "Bye"]);
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

describe("engine: registry", () => {
  it("has the core step types; connector steps are composed outside src/flows (src/steps.test.ts)", () => {
    expect(coreSteps.map((s) => s.type)).toEqual([
      "send",
      "ask",
      "branch",
      "set",
      "contact.tag",
      "contact.set",
      "end",
      "http",
      "menu",
      "goto",
      "split",
      "wait",
      "handoff",
      "subflow",
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
