import { describe, expect, it } from "vitest";
import { stepRegistry } from "../steps.js";
import { validateFlowDesign } from "./design-check.js";
import { checkLoops } from "./loop-check.js";
import type { Flow } from "./schema.js";
import { validateFlow } from "./validate.js";

const offline = {
  fact: async () => {
    throw new Error("offline");
  },
};

function file(steps: unknown[]) {
  return { schema: "tern.flow/v1", name: "t", trigger: { type: "message", channels: ["whatsapp"] }, steps };
}

function loopsOf(steps: unknown[]) {
  const result = validateFlow(file(steps), { steps: stepRegistry });
  expect(result.errors).toEqual([]);
  return checkLoops(result.flow as Flow, stepRegistry);
}

describe("checkLoops", () => {
  it("warns of more steps in a row without waiting than the engine's guard lets a run take, loop or not", () => {
    const chain = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({
        id: `s${from + i}`,
        type: "set",
        vars: { x: i },
        ...(i < n - 1 ? { next: `s${from + i + 1}` } : {}),
      }));
    // 100 steps run (the guard's limit); 101 fail the run at the last one.
    expect(loopsOf(chain(100)).warnings).toEqual([]);
    expect(loopsOf(chain(101)).warnings).toEqual([
      {
        path: "$.steps[0]",
        stepId: "s0",
        message: expect.stringMatching(
          /^a run can take 101 steps in a row without waiting \(s0 → s1 → s2 → … → s99 → s100\): the engine stops a run after 100 steps/,
        ),
      },
    ]);
    // Counted from a step that waits, which runs again when the answer comes.
    const ask = { id: "q", type: "ask", text: "?", save: "a", next: "s0" };
    expect(loopsOf([ask, ...chain(100)]).warnings[0]?.message).toMatch(
      /^a run can take 101 steps in a row .*\(q → s0/,
    );
    expect(loopsOf([ask, ...chain(99)]).warnings).toEqual([]);
  });

  it("refuses a send/set cycle that never waits, naming its steps", () => {
    const { errors, warnings } = loopsOf([
      { id: "a", type: "send", text: "hi", next: "b" },
      { id: "b", type: "set", vars: { x: 1 }, next: "a" },
    ]);
    expect(errors).toEqual([
      {
        path: "$.steps[0]",
        stepId: "a",
        message: expect.stringMatching(
          /^steps a → b → a loop without a step that waits: a run entering them never stops/,
        ),
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it("refuses a goto-only cycle and a step whose next is itself", () => {
    const gotos = loopsOf([
      { id: "a", type: "goto", target: "b" },
      { id: "b", type: "goto", target: "a" },
    ]);
    expect(gotos.errors.map((e) => e.message)).toEqual([expect.stringContaining("steps a → b → a loop")]);
    const self = loopsOf([{ id: "a", type: "send", text: "hi", next: "a" }]);
    expect(self.errors.map((e) => e.message)).toEqual([expect.stringContaining("steps a → a loop")]);
  });

  it("warns about a loop with a way out (a retry with a counter): the 100-step guard fails it otherwise", () => {
    const { errors, warnings } = loopsOf([
      { id: "start", type: "set", vars: { n: 0 }, next: "call" },
      { id: "call", type: "http", url: "https://api.example.com/x", next: "done", onError: "count" },
      { id: "count", type: "set", vars: { n: "{{ vars.n | plus: 1 }}" }, next: "check" },
      {
        id: "check",
        type: "branch",
        conditions: [{ when: { left: "vars.n", op: "lt", right: 3 }, next: "call" }],
        else: "done",
      },
      { id: "done", type: "send", text: "ok" },
    ]);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      {
        path: "$.steps[1]",
        stepId: "call",
        message: expect.stringMatching(
          /^steps call → count → check → call loop without a step that waits: unless the run leaves the loop \(at call, check\), the engine stops it after 100 steps/,
        ),
      },
    ]);
  });

  it("counts a branch without else as a way out: the run completes there", () => {
    const { errors, warnings } = loopsOf([
      { id: "a", type: "set", vars: { x: 1 }, next: "b" },
      { id: "b", type: "branch", conditions: [{ when: { left: "vars.x", op: "eq", right: 1 }, next: "a" }] },
    ]);
    expect(errors).toEqual([]);
    expect(warnings).toHaveLength(1);
  });

  it("accepts loops through a step that waits (ask, menu, wait, handoff) or runs a subflow", () => {
    const waiting = [
      { id: "w", type: "ask", text: "Again?", save: "x" },
      { id: "w", type: "menu", text: "Pick", choices: [{ id: "a", title: "A" }] },
      { id: "w", type: "wait", duration: "PT1M" },
      { id: "w", type: "handoff" },
      { id: "w", type: "subflow", flow: "child" },
    ];
    for (const step of waiting) {
      const result = loopsOf([
        { id: "a", type: "send", text: "hi", next: "w" },
        { ...step, next: "a" },
      ]);
      expect(result, step.type).toEqual({ errors: [], warnings: [] });
    }
  });

  it("leaves cycles no run reaches to the unreachable-step warning", () => {
    const result = loopsOf([
      { id: "a", type: "send", text: "hi" },
      { id: "b", type: "goto", target: "c" },
      { id: "c", type: "goto", target: "b" },
    ]);
    expect(result).toEqual({ errors: [], warnings: [] });
  });
});

describe("validateFlowDesign with loops", () => {
  it("makes a never-waiting loop an error and a loop with a way out a warning", async () => {
    const refused = await validateFlowDesign(
      file([
        { id: "a", type: "send", text: "hi", next: "b" },
        { id: "b", type: "set", vars: { x: 1 }, next: "a" },
      ]),
      offline,
      { steps: stepRegistry },
    );
    expect(refused.valid).toBe(false);
    expect(refused.errors.map((e) => e.message)).toEqual([expect.stringContaining("steps a → b → a loop")]);

    const warned = await validateFlowDesign(
      file([
        { id: "a", type: "set", vars: { x: 1 }, next: "b" },
        {
          id: "b",
          type: "branch",
          conditions: [{ when: { left: "vars.x", op: "eq", right: 1 }, next: "a" }],
        },
      ]),
      offline,
      { steps: stepRegistry },
    );
    expect(warned.valid).toBe(true);
    expect(warned.warnings.map((w) => w.message)).toEqual([expect.stringContaining("after 100 steps")]);
  });
});
