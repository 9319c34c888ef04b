import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTimer } from "./timer.js";

describe("timeout timer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("does not spin re-firing a timeout that is still due after it fired (its lane has not handled it yet)", async () => {
    const clock = { now: () => Date.now() };
    const dueAt = clock.now() + 100;
    let fired = 0;
    const timer = createTimer({
      clock,
      next: () => dueAt,
      fire: () => {
        fired++;
      },
    });
    await timer.start();
    await vi.advanceTimersByTimeAsync(150);
    expect(fired).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(fired).toBe(1);
    await vi.advanceTimersByTimeAsync(600);
    expect(fired).toBe(2);
    timer.stop();
  });

  it("fires the next timeout on time once the earlier one was handled", async () => {
    const clock = { now: () => Date.now() };
    const timeouts = [clock.now() + 100, clock.now() + 130];
    const firedAt: number[] = [];
    const timer = createTimer({
      clock,
      next: () => timeouts[0] ?? null,
      fire: () => {
        firedAt.push(clock.now());
        while (timeouts[0] !== undefined && timeouts[0] <= clock.now()) timeouts.shift();
      },
    });
    const start = clock.now();
    await timer.start();
    await vi.advanceTimersByTimeAsync(200);
    expect(firedAt.map((t) => t - start)).toEqual([100, 130]);
    timer.stop();
  });
});
