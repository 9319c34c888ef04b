import { describe, expect, it } from "vitest";
import { previousFiring, SCHEDULE_MAX_LATE_MS } from "./scheduler.js";

describe("schedule times", () => {
  const at = (iso: string) => Date.parse(iso);
  it("reads the cron expression in the time zone, daylight saving included", () => {
    const nine = { cron: "0 9 * * *", timezone: "Europe/Berlin" };
    // Winter (UTC+1), then summer (UTC+2) after the switch on 2026-03-29.
    expect(previousFiring(nine, at("2026-03-28T08:20:00Z"))).toBe(at("2026-03-28T08:00:00Z"));
    expect(previousFiring(nine, at("2026-03-30T07:20:00Z"))).toBe(at("2026-03-30T07:00:00Z"));
    expect(previousFiring({ cron: "0 9 * * *" }, at("2026-03-30T09:20:00Z"))).toBe(
      at("2026-03-30T09:00:00Z"),
    );
  });
  it("fires a time in the spring gap once, an hour on, and a time in the autumn's repeated hour once", () => {
    const half = { cron: "30 2 * * *", timezone: "Europe/Berlin" };
    // 2026-03-29: 02:00 becomes 03:00 (01:00Z). The 02:30 that does not exist is 03:30 CEST.
    expect(previousFiring(half, at("2026-03-29T01:35:00Z"))).toBe(at("2026-03-29T01:30:00Z"));
    expect(previousFiring(half, at("2026-03-29T02:00:00Z"))).toBe(at("2026-03-29T01:30:00Z"));
    // 2026-10-25: 03:00 becomes 02:00 (01:00Z), so 02:30 comes at 00:30Z and again at 01:30Z.
    for (const now of [
      "2026-10-25T00:45:00Z",
      "2026-10-25T01:30:00Z",
      "2026-10-25T01:45:00Z",
      "2026-10-25T03:00:00Z",
    ])
      expect(previousFiring(half, at(now))).toBe(at("2026-10-25T00:30:00Z"));
    expect(previousFiring(half, at("2026-10-26T01:31:00Z"))).toBe(at("2026-10-26T01:30:00Z"));
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT (07:00Z).
    const ny = { cron: "30 2 * * *", timezone: "America/New_York" };
    expect(previousFiring(ny, at("2026-03-08T07:40:00Z"))).toBe(at("2026-03-08T07:30:00Z"));
    // A schedule every half hour keeps both of the repeated hour's times, as cron does.
    const often = { cron: "*/30 * * * *", timezone: "Europe/Berlin" };
    expect(previousFiring(often, at("2026-10-25T00:31:00Z"))).toBe(at("2026-10-25T00:30:00Z"));
    expect(previousFiring(often, at("2026-10-25T01:31:00Z"))).toBe(at("2026-10-25T01:30:00Z"));
  });
  it("counts a time exactly now as due, and otherwise the one before, while it can still fire", () => {
    const weekdays = { cron: "30 8 * * 1-5", timezone: "UTC" };
    expect(previousFiring(weekdays, at("2026-12-04T08:30:00Z"))).toBe(at("2026-12-04T08:30:00Z"));
    expect(previousFiring(weekdays, at("2026-12-04T09:29:00Z"))).toBe(at("2026-12-04T08:30:00Z"));
    // Sunday: Friday's 08:30 is long past firing.
    expect(previousFiring(weekdays, at("2026-12-06T10:00:00Z"))).toBe(Number.NEGATIVE_INFINITY);
    // Dense schedules: every second, every minute, every minute of one hour (asked after it).
    expect(previousFiring({ cron: "* * * * * *" }, at("2026-12-04T08:30:00.500Z"))).toBe(
      at("2026-12-04T08:30:00Z"),
    );
    expect(previousFiring({ cron: "* * * * *" }, at("2026-12-04T08:30:59Z"))).toBe(
      at("2026-12-04T08:30:00Z"),
    );
    expect(previousFiring({ cron: "* 9 * * *" }, at("2026-12-04T10:30:00Z"))).toBe(
      at("2026-12-04T09:59:00Z"),
    );
  });

  /** The times a scheduler ticking every 5 minutes from `from` to `to` fires, as scheduler.ts decides. */
  function firedBetween(trigger: { cron: string; timezone?: string }, from: string, to: string): string[] {
    const fired = new Set<number>();
    for (let now = at(from); now <= at(to); now += 5 * 60_000) {
      const time = previousFiring(trigger, now);
      if (now - time <= SCHEDULE_MAX_LATE_MS) fired.add(time);
    }
    return [...fired].map((t) => new Date(t).toISOString());
  }

  it("fires on the day a change skips the very time named (cron-parser's prev() gave up there)", () => {
    // America/Santiago, 2026-09-06: midnight (UTC-4) becomes 01:00 (UTC-3). The day's run is at
    // 01:00, an hour on, and the next day's at midnight.
    const santiago = { cron: "0 0 * * *", timezone: "America/Santiago" };
    expect(firedBetween(santiago, "2026-09-05T02:00:00Z", "2026-09-07T04:00:00Z")).toEqual([
      "2026-09-05T04:00:00.000Z",
      "2026-09-06T04:00:00.000Z",
      "2026-09-07T03:00:00.000Z",
    ]);
    // Havana 2026-03-08 and Beirut 2026-03-29: midnight gaps as well.
    expect(
      firedBetween(
        { cron: "0 0 * * *", timezone: "America/Havana" },
        "2026-03-07T04:00:00Z",
        "2026-03-09T05:00:00Z",
      ),
    ).toHaveLength(3);
    expect(
      firedBetween(
        { cron: "0 0 * * *", timezone: "Asia/Beirut" },
        "2026-03-28T21:00:00Z",
        "2026-03-30T22:00:00Z",
      ),
    ).toHaveLength(3);
  });
});
