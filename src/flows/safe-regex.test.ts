import { describe, expect, it } from "vitest";
import { MAX_PATTERN_LENGTH, matchesPattern, patternProblem } from "./safe-regex.js";

describe("safe patterns for matches", () => {
  it("a pattern that backtracks exponentially in JavaScript answers at once (RE2, linear time)", () => {
    const text = `${"a".repeat(50_000)}b`;
    const started = performance.now();
    expect(matchesPattern("^(a+)+$", text, false)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("searches anywhere unless anchored, and folds case on request", () => {
    expect(matchesPattern("\\d{5}", "zip 10115 Berlin", false)).toBe(true);
    expect(matchesPattern("^\\d{5}$", "zip 10115", false)).toBe(false);
    expect(matchesPattern("^yes$", "YES", false)).toBe(false);
    expect(matchesPattern("^yes$", "YES", true)).toBe(true);
  });

  it("reports syntax RE2 does not have, and patterns that are too long", () => {
    expect(patternProblem("^[a-z]+$")).toBeNull();
    expect(patternProblem("(a)\\1")).toMatch(/^invalid pattern/);
    expect(patternProblem("x".repeat(MAX_PATTERN_LENGTH + 1))).toMatch(/at most 500 characters/);
    expect(matchesPattern("(", "(", false)).toBe(false);
  });
});
