import { describe, expect, it } from "vitest";
import { createThrottle } from "./throttle.js";

describe("throttle (token bucket per key)", () => {
  it("lets `capacity` failures through at once, then one per refill interval, per key", () => {
    let now = 0;
    const throttle = createThrottle({ clock: { now: () => now }, capacity: 3, refillMs: 10_000 });
    for (let i = 0; i < 3; i++) {
      expect(throttle.waitMs("a")).toBe(0);
      throttle.spend("a");
    }
    expect(throttle.waitMs("a")).toBe(10_000);
    expect(throttle.waitMs("b")).toBe(0);
    now += 4_000;
    expect(throttle.waitMs("a")).toBe(6_000);
    now += 6_000;
    expect(throttle.waitMs("a")).toBe(0);
    throttle.spend("a");
    expect(throttle.waitMs("a")).toBe(10_000);
  });

  it("remembers at most maxKeys addresses, forgetting the oldest first", () => {
    const throttle = createThrottle({ clock: { now: () => 0 }, capacity: 1, refillMs: 1_000, maxKeys: 2 });
    throttle.spend("a");
    throttle.spend("b");
    throttle.spend("c");
    expect(throttle.waitMs("a")).toBe(0);
    expect(throttle.waitMs("b")).toBe(1_000);
    expect(throttle.waitMs("c")).toBe(1_000);
  });
});
