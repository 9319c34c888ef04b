import { describe, expect, it } from "vitest";
import { canonicalId, createIdFactory, toCaseSafeId } from "./ids.js";

// Vectors from reference/salesforce.md §4.3 (001D000000IqhSLIAZ is the example id in Salesforce's docs).
const VECTORS: Array<[string, string]> = [
  ["001D000000IqhSL", "001D000000IqhSLIAZ"],
  ["a0BA0000000L2ZC", "a0BA0000000L2ZCMA0"],
  ["00558000001N0Ke", "00558000001N0KeAAK"],
  ["70130000001tcyI", "70130000001tcyIAAQ"],
  ["a0D30000001n7Pi", "a0D30000001n7PiEAI"],
];

describe("record ids", () => {
  it.each(VECTORS)("adds the documented checksum to %s", (id15, id18) => {
    expect(toCaseSafeId(id15)).toBe(id18);
  });

  it("turns a 15-char id or an 18-char id in any letter case into the canonical 18-char id", () => {
    expect(canonicalId("001D000000IqhSL")).toBe("001D000000IqhSLIAZ");
    expect(canonicalId("001d000000iqhsliaz")).toBe("001D000000IqhSLIAZ");
    expect(canonicalId("001D000000IqhSL!!!")).toBeNull();
  });

  it("makes unique 18-char ids with the key prefix and a valid checksum", () => {
    const next = createIdFactory();
    const ids = Array.from({ length: 500 }, () => next("00Q"));
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) {
      expect(id).toMatch(/^00Q[0-9A-Za-z]{15}$/);
      expect(toCaseSafeId(id.slice(0, 15))).toBe(id);
    }
  });
});
