import { describe, expect, it } from "vitest";
import { flowMatchesMessage } from "./trigger.js";
import { patternProblem } from "./trigger-schema.js";
import { validateFlow } from "./validate.js";

describe("trigger patterns", () => {
  it("refuses repeated groups that repeat or alternate inside, and back-references", () => {
    for (const p of ["^(a+)+$", "((a+))+", "(x|xx)*y", "(a)\\1", "(?<n>a)\\k<n>", "[bad"]) {
      expect(patternProblem(p), p).not.toBeNull();
    }
  });
  it("accepts ordinary patterns, escaped parentheses and classes", () => {
    for (const p of ["^order\\s*#?\\d{4,8}$", "(a+)?b", "[(a+)]+", "\\(a+\\)+", "hello|hi"]) {
      expect(patternProblem(p), p).toBeNull();
    }
  });
});

describe("a trigger pattern on a customer's message", () => {
  const flow = (pattern: string) => ({
    trigger: { type: "message" as const, channels: ["whatsapp"], pattern },
  });
  const starts = (pattern: string, text: string) =>
    flowMatchesMessage(flow(pattern), { channel: "whatsapp", text });

  // Patterns validation accepts (no nested repeat) on which a backtracking engine takes seconds to
  // minutes for 1,000 characters (found by a security review). RE2 answers at once; the test's own
  // timeout is what a hang would hit.
  it.each([
    ["\\w+\\s*\\w+\\s*\\w+\\s*\\?$", "a".repeat(1_000)],
    ["\\d+\\s*\\d+\\s*\\d+x", "1".repeat(1_000)],
    [".*a.*a.*a.*b", "a".repeat(1_000)],
  ])("never backtracks without bound: %s", (pattern, text) => {
    expect(patternProblem(pattern)).toBeNull();
    expect(starts(pattern, text)).toBe(false);
    expect(starts(pattern, `${text.slice(0, 20)} what is the price?`)).toBe(pattern.startsWith("\\w"));
  });

  it("warns at validation about a look-around pattern (it runs on the backtracking engine), not about others", () => {
    const file = (pattern: string) => ({
      schema: "tern.flow/v1",
      name: "p",
      trigger: { type: "message", channels: ["whatsapp"], pattern },
      steps: [{ id: "s", type: "send", text: "hi" }],
    });
    const warned = validateFlow(file("^(?=.*refund)"));
    expect(warned.valid).toBe(true);
    expect(warned.warnings).toContainEqual(
      expect.objectContaining({
        path: "$.trigger.pattern",
        message: expect.stringContaining("backtracking"),
      }),
    );
    expect(validateFlow(file("^order\\s*#?\\d{4,8}$")).warnings).toEqual([]);
  });

  it("matches case-insensitively, on the first 1,000 characters; a look-around pattern stored before still works", () => {
    expect(starts("^order\\s*#?\\d{4,8}$", "ORDER #12345")).toBe(true);
    expect(starts("price", `${"x".repeat(1_000)} price`)).toBe(false);
    expect(starts("^(?=.*refund)", "I want a Refund")).toBe(true);
  });
});
