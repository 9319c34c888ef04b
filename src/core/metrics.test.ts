import { describe, expect, it } from "vitest";
import { createLogThrottle } from "./log-throttle.js";
import { createMetrics } from "./metrics.js";

describe("metrics", () => {
  it("renders counters in Prometheus text format, one series per label set, zero before the first event", () => {
    const metrics = createMetrics();
    const rejected = metrics.counter("tern_things_total", "Things.");
    expect(metrics.render()).toEqual([
      "# HELP tern_things_total Things.",
      "# TYPE tern_things_total counter",
      "tern_things_total 0",
    ]);
    rejected.inc({ reason: "invalid" });
    rejected.inc({ reason: "invalid" });
    rejected.inc({ reason: 'un"routable\n' }, 3);
    expect(metrics.render().slice(2)).toEqual([
      'tern_things_total{reason="invalid"} 2',
      'tern_things_total{reason="un\\"routable\\n"} 3',
    ]);
    expect(metrics.counter("tern_things_total", "ignored")).toBe(rejected);
    expect(rejected.value({ reason: "invalid" })).toBe(2);
  });
});

describe("log throttle", () => {
  it("allows one line per key per window and reports how many it suppressed", () => {
    let now = 0;
    const throttle = createLogThrottle({ now: () => now }, 60_000);
    expect(throttle.allow("a")).toBe(0);
    expect(throttle.allow("a")).toBeNull();
    expect(throttle.allow("a")).toBeNull();
    expect(throttle.allow("b")).toBe(0);
    now = 59_999;
    expect(throttle.allow("a")).toBeNull();
    now = 60_000;
    expect(throttle.allow("a")).toBe(3);
    expect(throttle.allow("a")).toBeNull();
  });
});
