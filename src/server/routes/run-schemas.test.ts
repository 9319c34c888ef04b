import { describe, expect, it } from "vitest";
import { parseTime } from "./run-schemas.js";

describe("parseTime (the runs list's since and until)", () => {
  it("reads ISO 8601 dates and times and ms since the epoch", () => {
    expect(parseTime("2026-12-03")).toBe(Date.UTC(2026, 11, 3));
    expect(parseTime("2026-12-03T09:00:00Z")).toBe(Date.UTC(2026, 11, 3, 9));
    expect(parseTime("2026-12-03T10:00:00+01:00")).toBe(Date.UTC(2026, 11, 3, 9));
    expect(parseTime("2028-02-29")).toBe(Date.UTC(2028, 1, 29));
    expect(parseTime("1764752400000")).toBe(1764752400000);
  });

  it("refuses a day the month does not have instead of rolling it over, and what is not a time", () => {
    for (const bad of ["2026-02-30", "2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-12-00"]) {
      expect(parseTime(bad), bad).toBeNull();
    }
    for (const bad of ["yesterday", "12/03/2026", "2026-12-03T25:00:00Z", ""])
      expect(parseTime(bad), bad).toBeNull();
  });

  it("reads a time without an offset as UTC, whatever the server's zone", () => {
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York"; // Node reads a change of TZ at once
    try {
      expect(parseTime("2026-12-03T09:00:00")).toBe(Date.UTC(2026, 11, 3, 9));
      expect(parseTime("2026-12-03 09:00")).toBe(Date.UTC(2026, 11, 3, 9));
      expect(parseTime("2026-07-03T09:00:00.5")).toBe(Date.UTC(2026, 6, 3, 9, 0, 0, 500));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
