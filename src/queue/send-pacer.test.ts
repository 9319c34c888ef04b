import { describe, expect, it } from "vitest";
import { backoffMs } from "./effects.js";
import { createSendPacer, MAX_RETRY_AFTER_MS } from "./send-pacer.js";

function fakeTime() {
  const clock = { t: 1_000_000, now: () => clock.t };
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock.t += ms;
  };
  return { clock, sleeps, sleep };
}

describe("send pacer", () => {
  it("spaces the sends of one channel to its documented rate, and leaves other channels alone", async () => {
    const { clock, sleeps, sleep } = fakeTime();
    const pacer = createSendPacer(clock, sleep);
    const start = clock.t;
    const leftAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      await pacer.wait("ch_a", 10);
      leftAt.push(clock.t - start);
    }
    expect(leftAt).toEqual([0, 100, 200, 300, 400]);
    sleeps.length = 0;
    await pacer.wait("ch_b", 10);
    expect(sleeps).toEqual([]);
  });

  it("holds every send of a channel until the Retry-After of a 429 has passed", async () => {
    const { clock, sleep } = fakeTime();
    const pacer = createSendPacer(clock, sleep);
    const start = clock.t;
    pacer.pause("ch_a", 7_000);
    await pacer.wait("ch_a", undefined);
    expect(clock.t - start).toBe(7_000);
    // Once the pause is over, no more waiting.
    const after = clock.t;
    await pacer.wait("ch_a", undefined);
    expect(clock.t).toBe(after);
  });

  it("waits a Retry-After longer than a minute in full (Telegram's retry_after: 90), and a very long one at most 15 minutes", async () => {
    const { clock, sleep } = fakeTime();
    const pacer = createSendPacer(clock, sleep);
    let start = clock.t;
    pacer.pause("ch_a", 90_000);
    await pacer.wait("ch_a", 1);
    expect(clock.t - start).toBe(90_000);
    start = clock.t;
    pacer.pause("ch_a", 6 * 3_600_000);
    await pacer.wait("ch_a", undefined);
    expect(clock.t - start).toBe(MAX_RETRY_AFTER_MS);
    expect(backoffMs({ afterMs: 90_000 }, 1)).toBe(90_000);
    expect(backoffMs({ afterMs: 6 * 3_600_000 }, 1)).toBe(MAX_RETRY_AFTER_MS);
  });

  it("keeps pacing and pauses as waits when the clock steps back (NTP, a VM resumed)", async () => {
    const { clock, sleeps, sleep } = fakeTime();
    const pacer = createSendPacer(clock, sleep);
    await pacer.wait("ch_a", 10);
    pacer.pause("ch_b", 30_000);
    clock.t -= 900_000;
    sleeps.length = 0;
    // The next slot of ch_a is 100 ms on, ch_b's pause ends 30 s on: not 15 minutes later.
    await pacer.wait("ch_a", 10);
    await pacer.wait("ch_b", undefined);
    expect(sleeps).toEqual([100, 30_000 - 100]);
  });

  it("does not wait for a channel without a documented rate", async () => {
    const { clock, sleeps, sleep } = fakeTime();
    const pacer = createSendPacer(clock, sleep);
    for (let i = 0; i < 100; i++) await pacer.wait("ch_a", undefined);
    expect(sleeps).toEqual([]);
  });
});
