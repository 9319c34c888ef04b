import { describe, expect, it } from "vitest";
import { parseJsonText } from "./json-syntax.js";

describe("parseJsonText", () => {
  it("parses JSON as JSON.parse does", () => {
    expect(parseJsonText('{"a":[1,"x"]}')).toEqual({ a: [1, "x"] });
  });

  it("says on which line and column a syntax error is, and where the text ends too early", () => {
    expect(() => parseJsonText('{\n  "a": 1,\n  "b" 2\n}')).toThrow(/\(line 3 column 7\)$/);
    expect(() => parseJsonText('{\n  "a":')).toThrow(/\(line 2 column 7\)$/);
  });
});
