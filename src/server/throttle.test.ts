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

  it("keeps a key's attempts when the clock steps back, and refills from the step on", () => {
    let now = 10_000_000;
    const throttle = createThrottle({ clock: { now: () => now }, capacity: 5, refillMs: 12_000 });
    throttle.spend("a");
    now -= 3_600_000;
    expect(throttle.waitMs("a")).toBe(0);
    for (let i = 0; i < 4; i++) throttle.spend("a");
    expect(throttle.waitMs("a")).toBe(12_000);
    now += 12_000;
    expect(throttle.waitMs("a")).toBe(0);
  });

  it("remembers at most maxKeys addresses, forgetting only those whose attempts have refilled", () => {
    let now = 0;
    const throttle = createThrottle({ clock: { now: () => now }, capacity: 1, refillMs: 1_000, maxKeys: 2 });
    throttle.spend("a");
    now += 500;
    throttle.spend("b");
    now += 500;
    // "a" is full again: forgetting it loses nothing.
    throttle.spend("c");
    expect(throttle.waitMs("a")).toBe(0);
    expect(throttle.waitMs("b")).toBe(500);
    expect(throttle.waitMs("c")).toBe(1_000);
  });

  it("does not let many addresses push a locked-out one out of the table: new ones share a bucket meanwhile", () => {
    let now = 0;
    const throttle = createThrottle({ clock: { now: () => now }, capacity: 2, refillMs: 1_000, maxKeys: 3 });
    // An attacker with many addresses (an IPv6 /48 holds 65,536 /64s) drains its first one...
    throttle.spend("attacker-1");
    throttle.spend("attacker-1");
    expect(throttle.waitMs("attacker-1")).toBe(1_000);
    // ...then fails from more addresses than the table holds.
    for (let i = 2; i <= 50; i++) {
      if (throttle.waitMs(`attacker-${i}`) === 0) throttle.spend(`attacker-${i}`);
    }
    // The first is still locked out: it was not forgotten to make room.
    expect(throttle.waitMs("attacker-1")).toBe(1_000);
    // Addresses that found the table full shared one bucket, so the 49 more got 2 attempts, not 98.
    expect(throttle.waitMs("attacker-51")).toBe(1_000);
    // Once the remembered ones have refilled, a new address has its own bucket again.
    now += 2_000;
    expect(throttle.waitMs("someone-else")).toBe(0);
    throttle.spend("someone-else");
    expect(throttle.waitMs("someone-else")).toBe(0);
  });
});
