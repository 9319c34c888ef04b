import { describe, expect, it } from "vitest";
import { createDeliveryHealth, DELIVERY_FAILURE_HOLD_MS } from "./delivery-health.js";

const withCode = (code: string) => Object.assign(new Error(code), { code });
const settle = () => new Promise((r) => setImmediate(r));

describe("whether deliveries can be stored (/readyz)", () => {
  it("says no from the first storage failure until the hold has passed since the last one", async () => {
    let now = 1_000;
    const health = createDeliveryHealth(() => now);
    expect(health.failingSince()).toBeNull();
    await expect(health.track(Promise.reject(withCode("SQLITE_FULL")))).rejects.toThrow();
    await settle();
    expect(health.failingSince()).toBe(1_000);
    // A delivery stored meanwhile (a partial failure) does not end it; another failure extends it.
    await health.track(Promise.resolve("stored"));
    now = 1_000 + DELIVERY_FAILURE_HOLD_MS;
    await expect(health.track(Promise.reject(withCode("25006")))).rejects.toThrow();
    await settle();
    now += DELIVERY_FAILURE_HOLD_MS;
    expect(health.failingSince()).toBe(1_000);
    now += 1;
    expect(health.failingSince()).toBeNull();
  });

  it("ignores a delivery's own error and the database's concurrency answers", async () => {
    const health = createDeliveryHealth(() => 0);
    for (const code of ["SQLITE_CONSTRAINT_UNIQUE", "23505", "40001", "40P01"]) {
      await expect(health.track(Promise.reject(withCode(code)))).rejects.toThrow();
      await settle();
      expect(health.failingSince(), code).toBeNull();
    }
  });
});
