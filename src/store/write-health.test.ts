import { describe, expect, it } from "vitest";
import { createWriteHealth, WRITES_FAILING_HOLD_MS } from "./write-health.js";

const full = () => Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
const settle = () => new Promise((r) => setImmediate(r));

describe("whether writes fail for the storage's sake (/readyz)", () => {
  it("says so from the first storage failure until a write succeeds", async () => {
    let now = 1_000;
    const health = createWriteHealth(() => now);
    expect(health.failingSince()).toBeNull();
    await expect(health.track(Promise.reject(full()))).rejects.toThrow("full");
    await settle();
    expect(health.failingSince()).toBe(1_000);
    now = 2_000;
    await expect(health.track(Promise.reject(full()))).rejects.toThrow("full");
    await settle();
    expect(health.failingSince()).toBe(1_000);
    await health.track(Promise.resolve("ok"));
    await settle();
    expect(health.failingSince()).toBeNull();
  });

  it("ignores a write's own error, and lets go after the hold with no write since", async () => {
    let now = 0;
    const health = createWriteHealth(() => now);
    const constraint = Object.assign(new Error("UNIQUE constraint failed"), {
      code: "SQLITE_CONSTRAINT_UNIQUE",
    });
    await expect(health.track(Promise.reject(constraint))).rejects.toThrow("UNIQUE");
    await settle();
    expect(health.failingSince()).toBeNull();
    await expect(health.track(Promise.reject(full()))).rejects.toThrow("full");
    await settle();
    now = WRITES_FAILING_HOLD_MS;
    expect(health.failingSince()).toBe(0);
    now = WRITES_FAILING_HOLD_MS + 1;
    expect(health.failingSince()).toBeNull();
  });
});
