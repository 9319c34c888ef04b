import { describe, expect, it } from "vitest";
import { toE164 } from "./phone.js";

describe("toE164", () => {
  it("gives one form for a number however a channel wrote it", () => {
    for (const raw of ["+44 7911 123456", "447911123456", "0044 7911 123456", "+44 (0)7911-123456"]) {
      expect(toE164(raw), raw).toBe("+447911123456");
    }
    expect(toE164("4915100000002")).toBe("+4915100000002");
  });

  it("gives null for what cannot be a phone number", () => {
    for (const raw of [null, undefined, "", "   ", "abc", "12", "+", "1".repeat(40)]) {
      expect(toE164(raw), String(raw)).toBeNull();
    }
  });
});
