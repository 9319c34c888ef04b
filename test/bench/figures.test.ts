import { describe, expect, it } from "vitest";
import { type Figure, isRateMet, medianRun } from "../../bench/figures.js";

const figure = (value: number, isMet = true): Figure => ({ name: "x", value, unit: "ms", target: "", isMet });

describe("bench figures", () => {
  it("passes 998/s for 1,000/s offered (the last answer trails by one latency)", () => {
    expect(isRateMet(998, 1_000, 1_000)).toBe(true);
    expect(isRateMet(990, 1_000, 1_000)).toBe(true);
    expect(isRateMet(989, 1_000, 1_000)).toBe(false);
  });

  it("holds a rate offered above the target to the target itself", () => {
    expect(isRateMet(1_000, 1_500, 1_000)).toBe(true);
    expect(isRateMet(995, 1_500, 1_000)).toBe(false);
  });

  it("reports the median of three runs with that run's pass/fail", () => {
    const runs = [figure(30, false), figure(5), figure(12, false)];
    expect(medianRun(runs)).toBe(runs[2]);
    expect(medianRun([figure(7)]).value).toBe(7);
  });
});
