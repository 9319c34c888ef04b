import { describe, expect, it } from "vitest";
import { AppError } from "../core/app-error.js";
import type { RunState } from "./runtime.js";
import type { Flow } from "./schema.js";
import { engine, flowOf, reply, startRun } from "./testing/engine-fixtures.js";
import { createFakeHost, type FakeHost } from "./testing/fake-host.js";

/** The engine's side of `subflow`: frames in the run state, crash-safe like any step. */
const child = flowOf([
  { id: "ask_city", type: "ask", text: "{{ vars.q }}", save: "city", next: "check" },
  {
    id: "check",
    type: "branch",
    conditions: [{ when: { left: "vars.city", op: "eq", right: "nowhere" }, next: "stop" }],
    else: "done",
  },
  { id: "stop", type: "end", status: "ended" },
  { id: "done", type: "set", vars: { upper: "{{ vars.city | upcase }}" } },
]);
const parent = (extra: Record<string, unknown> = {}) =>
  flowOf([
    {
      id: "sub",
      type: "subflow",
      flow: "flow_child",
      input: { q: "City, {{ contact.name }}?" },
      output: { town: "upper" },
      next: "bye",
      ...extra,
    },
    { id: "bye", type: "send", text: "Bye from {{ vars.town }}" },
    { id: "oops", type: "send", text: "Child failed: {{ steps.sub.error.code }}" },
  ]);

function hostWith(flows: Record<string, Flow>): FakeHost {
  const host = createFakeHost();
  host.loadFlow = async (flowId, version) => {
    const flow = flows[flowId];
    if (!flow) throw new AppError("FLOW_NOT_FOUND", `no flow ${flowId}`);
    return { flow, version: version ?? 3 };
  };
  return host;
}

describe("engine: subflow", () => {
  it("pins the child's version in a frame, keeps the caller's vars apart, and returns only the output", async () => {
    const host = hostWith({ flow_child: child });
    const flow = parent();
    let state = await startRun(flow, host);
    expect(state.status).toBe("waiting");
    expect(state.frames).toEqual([
      expect.objectContaining({ flowId: "flow_child", flowVersion: 3, callerStepId: "sub", callerVars: {} }),
    ]);
    expect(state.vars).toEqual({ q: "City, Ada?" });
    state = await reply(flow, state, host, "Lyon");
    expect(state.status).toBe("completed");
    expect(state.frames).toBeUndefined();
    expect(state.vars).toEqual({ town: "LYON" });
    expect(host.sent.map((m) => m.text)).toEqual(["City, Ada?", "Bye from LYON"]);
    // Effect keys stay unique across frames: visits number the whole run.
    expect(new Set(host.sent.map((m) => m.key)).size).toBe(2);
  });

  it("continues inside the child after a crash: the state persisted at the wait is all it needs", async () => {
    const host = hostWith({ flow_child: child });
    const flow = parent();
    await startRun(flow, host);
    const atWait = host.persisted.at(-1)!.state as RunState;
    // A new process: a fresh copy of the state, the same host effects (idempotent by key).
    const resumed = await reply(flow, structuredClone(atWait), host, "Oslo");
    expect(resumed.vars).toEqual({ town: "OSLO" });
    const again = await reply(flow, structuredClone(atWait), host, "Oslo");
    expect(again.vars).toEqual({ town: "OSLO" });
    expect(host.sent.map((m) => m.text)).toEqual(["City, Ada?", "Bye from OSLO"]);
  });

  it("never persists a finished child as a finished run: the caller's step is recorded after the child's last", async () => {
    const host = hostWith({ flow_child: child });
    const flow = parent();
    const state = await startRun(flow, host);
    await reply(flow, state, host, "Rome");
    expect(host.persisted.every((p) => p.state.status !== "completed" || !p.state.frames)).toBe(true);
    expect(host.persisted.map((p) => [p.record.stepId, p.record.status])).toEqual([
      ["sub", "waiting"],
      ["sub/ask_city", "waiting"],
      ["sub/ask_city", "completed"],
      ["sub/check", "completed"],
      ["sub/done", "completed"],
      ["sub", "completed"],
      ["bye", "completed"],
    ]);
  });

  it("a child that fails takes the subflow step's onError with the child's error", async () => {
    const broken = flowOf([
      { id: "boom", type: "salesforce.create", connection: "sf", object: "Lead", fields: { LastName: "x" } },
    ]);
    const host = hostWith({ flow_child: broken });
    host.onCall = () => {
      throw new AppError("SALESFORCE_API_DISABLED", "Tick API Enabled.");
    };
    const state = await startRun(parent({ onError: "oops" }), host);
    expect(state.status).toBe("completed");
    expect(host.sent.map((m) => m.text)).toEqual(["Child failed: SALESFORCE_API_DISABLED"]);
    expect(state.steps.sub).toEqual({
      error: {
        code: "SALESFORCE_API_DISABLED",
        message: expect.stringContaining('subflow "flow_child" failed at step "boom"'),
      },
    });
  });

  it("without onError the child's failure fails the run at the subflow step", async () => {
    const host = hostWith({});
    const state = await startRun(parent(), host);
    expect(state).toMatchObject({ status: "failed", error: { code: "FLOW_NOT_FOUND", stepId: "sub" } });
  });

  it("a child that ends the conversation (end with status ended) ends the whole run", async () => {
    const host = hostWith({ flow_child: child });
    const flow = parent();
    const state = await reply(flow, await startRun(flow, host), host, "nowhere");
    expect(state.status).toBe("ended");
    expect(state.frames).toBeUndefined();
    expect(host.sent.map((m) => m.text)).toEqual(["City, Ada?"]);
  });

  it("a host without flows cannot run a subflow and says so", async () => {
    const host = createFakeHost();
    const state = await engine.advance(
      parent(),
      engine.newRun("run_1", parent(), 1, "flow_1"),
      { type: "start", message: host.inbound("hi") },
      host,
    );
    expect(state.error).toMatchObject({
      code: "FLOW_INVALID",
      message: expect.stringContaining("cannot run subflows"),
    });
  });
});
