import { describe, expect, it } from "vitest";
import { boundedJson, TOO_DEEP } from "./bounded-json.js";

const nested = (depth: number): unknown => {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

describe("boundedJson", () => {
  it("writes an ordinary value as JSON.stringify does", () => {
    const value = { a: [1, "two", null, { b: true }], c: "é😀" };
    expect(boundedJson(value)).toBe(JSON.stringify(value));
    expect(boundedJson(undefined)).toBe("null");
  });

  it("keeps a value nested deeper than JSON.stringify can go, cut at the limit", () => {
    const deep = nested(20_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const text = boundedJson(deep, 3);
    expect(JSON.parse(text)).toEqual([[[TOO_DEEP]]]);
    expect(boundedJson({ x: nested(2) }, 3)).toBe(JSON.stringify({ x: [["bottom"]] }));
  });
});
