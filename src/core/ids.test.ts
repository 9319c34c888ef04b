import { describe, expect, it } from "vitest";
import { newId } from "./ids.js";

describe("newId", () => {
  it("sorts ids made in the same millisecond in the order they were made", () => {
    const now = 1_764_000_000_123;
    const ids = Array.from({ length: 500 }, () => newId("msg", now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(500);
  });

  it("sorts by time first, whatever the order within a millisecond", () => {
    const later = newId("msg", 1_764_000_000_200);
    const earlier = newId("msg", 1_764_000_000_199);
    expect(earlier < later).toBe(true);
    expect(later).toMatch(/^msg_[0-9a-z]{9}[0-9a-z]{2}[A-Za-z0-9_-]{9}$/);
  });
});
