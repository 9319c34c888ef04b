import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../core/app-error.js";
import { createEngine } from "./engine.js";
import type { RunState } from "./runtime.js";
import { defineStep } from "./step.js";
import { createStepRegistry } from "./step-registry.js";
import { engine, flowOf, loadTemplate, reply, startRun } from "./testing/engine-fixtures.js";
import { createFakeHost, type FakeHost } from "./testing/fake-host.js";

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

describe("engine: the storage failing mid-step", () => {
  it("lets an outage through (the turn is tried again later) instead of failing the step and the run", async () => {
    const flow = flowOf([
      { id: "lead", type: "salesforce.create", connection: "sf", object: "Lead", fields: { LastName: "x" } },
    ]);
    const host = createFakeHost();
    const lost = new Error("Client has encountered a connection error and is not queryable");
    host.onCall = () => {
      throw lost;
    };
    host.isOutage = (error) => error === lost;
    const state = engine.newRun("r1", flow, 1, "flow_1");
    await expect(engine.advance(flow, state, { type: "start" }, host)).rejects.toBe(lost);
    expect(state.status).toBe("running");
    expect(state.error ?? null).toBeNull();
    // Without the host's word it is the step's error, as before.
    host.isOutage = undefined;
    expect((await startRun(flow, host)).error).toMatchObject({ code: "INTERNAL", stepId: "lead" });
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
