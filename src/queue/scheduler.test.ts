import { describe, expect, it } from "vitest";
import { previousFiring } from "./scheduler.js";

describe("schedule times", () => {
  const at = (iso: string) => Date.parse(iso);
  it("reads the cron expression in the time zone, daylight saving included", () => {
    const nine = { cron: "0 9 * * *", timezone: "Europe/Berlin" };
    // Winter (UTC+1), then summer (UTC+2) after the switch on 2026-03-29.
    expect(previousFiring(nine, at("2026-03-28T12:00:00Z"))).toBe(at("2026-03-28T08:00:00Z"));
    expect(previousFiring(nine, at("2026-03-30T12:00:00Z"))).toBe(at("2026-03-30T07:00:00Z"));
    expect(previousFiring({ cron: "0 9 * * *" }, at("2026-03-30T12:00:00Z"))).toBe(
      at("2026-03-30T09:00:00Z"),
    );
  });
  it("counts a time exactly now as due, and otherwise the one before", () => {
    const weekdays = { cron: "30 8 * * 1-5", timezone: "UTC" };
    expect(previousFiring(weekdays, at("2026-12-04T08:30:00Z"))).toBe(at("2026-12-04T08:30:00Z"));
    // Sunday: the last weekday 08:30 was Friday's.
    expect(previousFiring(weekdays, at("2026-12-06T10:00:00Z"))).toBe(at("2026-12-04T08:30:00Z"));
  });
});
