import { describe, expect, it } from "vitest";
import { validateFlow } from "./validate.js";

describe("a flow over the step limit", () => {
  it("gets the one true error: a transition to a step past the limit is not also 'does not exist'", () => {
    // s1 → s2 → … → s501: step 500 (at $.steps[499]) leads to s501, which is in the file.
    const steps = Array.from({ length: 501 }, (_, i) => ({
      id: `s${i + 1}`,
      type: "send",
      text: "Hi",
      ...(i < 500 && { next: `s${i + 2}` }),
    }));
    const result = validateFlow({
      schema: "tern.flow/v1",
      name: "t",
      trigger: { type: "message", channels: ["whatsapp"] },
      start: "s1",
      steps,
    });
    expect(result.errors).toEqual([{ path: "$.steps", message: "a flow has at most 500 steps" }]);
  });

  it("still reports a transition to a step that is nowhere in the file", () => {
    const steps = Array.from({ length: 501 }, (_, i) => ({ id: `s${i + 1}`, type: "send", text: "Hi" }));
    steps[0] = { ...steps[0], next: "nowhere" } as (typeof steps)[number];
    const result = validateFlow({
      schema: "tern.flow/v1",
      name: "t",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps,
    });
    expect(result.errors.map((e) => e.path)).toEqual(["$.steps", "$.steps[0].next"]);
  });
});
