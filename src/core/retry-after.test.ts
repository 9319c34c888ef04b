import { describe, expect, it } from "vitest";
import { retryAfterMs } from "../queue/http-effects.js";
import { retryAfterAt } from "./retry-after.js";

describe("Retry-After", () => {
  const now = Date.UTC(2026, 11, 7, 12, 0, 0);
  it("reads delay-seconds and the three HTTP-date forms, all in UTC whatever the server's zone", () => {
    const zone = process.env.TZ;
    try {
      for (const tz of ["UTC", "America/New_York", "Asia/Kolkata"]) {
        process.env.TZ = tz; // Node reads a change of TZ at once
        expect(retryAfterAt("10", now), tz).toBe(now + 10_000);
        expect(retryAfterAt("Mon, 07 Dec 2026 12:00:10 GMT", now), tz).toBe(now + 10_000);
        expect(retryAfterAt("Monday, 07-Dec-26 12:00:10 GMT", now), tz).toBe(now + 10_000);
        expect(retryAfterAt("Mon Dec  7 12:00:10 2026", now), tz).toBe(now + 10_000);
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("is nothing for what is neither form, so the caller's own back-off applies, not a retry at once", () => {
    for (const value of [
      "1.5",
      "-1",
      "",
      "soon",
      "2026-12-07T12:00:10Z",
      "10 seconds",
      "Mon, 07 Dec 2026 12:00:10",
    ])
      expect(retryAfterAt(value, now), value).toBeNull();
    // The http step: a fractional or negative value is unreadable (null), not 0 ms.
    expect(retryAfterMs("1.5", now)).toBeNull();
    expect(retryAfterMs("-1", now)).toBeNull();
    expect(retryAfterMs("Mon Dec  7 12:00:10 2026", now)).toBe(10_000);
  });
});
