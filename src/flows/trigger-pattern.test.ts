import { describe, expect, it } from "vitest";
import { patternProblem } from "./trigger-schema.js";

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
