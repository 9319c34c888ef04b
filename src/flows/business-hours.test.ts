import { describe, expect, it } from "vitest";
import { BusinessHours, isWithinBusinessHours } from "./business-hours.js";

const at = (iso: string) => Date.parse(iso);

describe("business hours", () => {
  const berlin = BusinessHours.parse({ timeZone: "Europe/Berlin", from: "09:00", to: "17:00" });

  it.each([
    ["2026-12-07T07:59:00Z", false], // Monday 08:59 (CET, UTC+1)
    ["2026-12-07T08:00:00Z", true], // Monday 09:00
    ["2026-12-07T15:59:00Z", true], // Monday 16:59
    ["2026-12-07T16:00:00Z", false], // Monday 17:00: closed
    ["2026-07-06T07:30:00Z", true], // Monday 09:30 in summer time (CEST, UTC+2)
    ["2026-12-05T10:00:00Z", false], // Saturday (days default to mon–fri)
  ])("at %s → %s", (iso, open) => {
    expect(isWithinBusinessHours(berlin, at(iso))).toBe(open);
  });

  it("an overnight span belongs to the day it starts on", () => {
    const night = BusinessHours.parse({
      timeZone: "America/New_York",
      days: ["fri"],
      from: "22:00",
      to: "06:00",
    });
    expect(isWithinBusinessHours(night, at("2026-12-05T03:30:00Z"))).toBe(true); // Fri 22:30
    expect(isWithinBusinessHours(night, at("2026-12-05T10:00:00Z"))).toBe(true); // Sat 05:00
    expect(isWithinBusinessHours(night, at("2026-12-05T12:00:00Z"))).toBe(false); // Sat 07:00
    expect(isWithinBusinessHours(night, at("2026-12-06T10:00:00Z"))).toBe(false); // Sun 05:00
  });

  it("refuses unknown zones, malformed times and an empty span; 00:00 to 24:00 is the whole day", () => {
    const problems = BusinessHours.safeParse({ timeZone: "Mars/Base", from: "9:00", to: "17:00" });
    expect(problems.error?.issues.map((i) => i.path.join("."))).toEqual(["timeZone", "from"]);
    expect(BusinessHours.safeParse({ timeZone: "UTC", from: "09:00", to: "09:00" }).success).toBe(false);
    const always = BusinessHours.parse({ timeZone: "UTC", days: ["sun"], from: "00:00", to: "24:00" });
    expect(isWithinBusinessHours(always, at("2026-12-06T23:59:00Z"))).toBe(true);
  });
});
