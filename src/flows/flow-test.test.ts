import { describe, expect, it } from "vitest";
import { stepRegistry } from "../steps.js";
import { startRun } from "./testing/engine-fixtures.js";
import { createFakeHost } from "./testing/fake-host.js";
import { validateFlow } from "./validate.js";

/** A flow file may carry test cases (`tests`): checked with the flow, ignored by the engine. */
const flowWith = (tests: unknown) => ({
  schema: "tern.flow/v1",
  name: "t",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [{ id: "hi", type: "send", text: "Hello" }],
  tests,
});

describe("flow file tests", () => {
  it("accepts test cases and keeps them on the parsed flow", () => {
    const tests = [
      {
        name: "says hello",
        script: [{ say: "hi" }, { expect: { matches: "^Hel+o$" } }, { wait: "PT10M" }],
        expect: { status: "completed", messages: ["Hello"] },
      },
    ];
    const result = validateFlow(flowWith(tests), { steps: stepRegistry });
    expect(result.errors).toEqual([]);
    expect(result.flow?.tests?.[0]?.name).toBe("says hello");
  });

  it("reports a malformed test case with its path", () => {
    const result = validateFlow(
      flowWith([
        { name: "x", script: [{ say: "hi" }, { expect: { matches: "(" } }, { wait: "10 minutes" }] },
      ]),
      { steps: stepRegistry },
    );
    expect(result.valid).toBe(false);
    const paths = result.errors.map((e) => e.path);
    expect(paths).toContain("$.tests[0].script[1].expect.matches");
    expect(paths).toContain("$.tests[0].script[2].wait");
  });

  it("runs the same whether or not the flow carries tests", async () => {
    const parsed = validateFlow(flowWith([{ name: "x", script: [] }]), { steps: stepRegistry }).flow;
    if (!parsed) throw new Error("invalid");
    const host = createFakeHost();
    const state = await startRun(parsed, host);
    expect(state.status).toBe("completed");
    expect(host.sent.map((m) => m.text)).toEqual(["Hello"]);
  });
});
