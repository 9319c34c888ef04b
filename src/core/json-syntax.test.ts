import { describe, expect, it } from "vitest";
import { decodeJsonBytes, parseJsonText } from "./json-syntax.js";

describe("parseJsonText", () => {
  it("parses JSON as JSON.parse does", () => {
    expect(parseJsonText('{"a":[1,"x"]}')).toEqual({ a: [1, "x"] });
  });

  it("refuses a key written twice in one object, naming both lines (JSON.parse would keep the last)", () => {
    const text =
      '{\n  "steps": [{ "id": "a", "next": "b",\n    "text": "x", "next": "c" }],\n  "name": "n"\n}';
    expect(() => parseJsonText(text)).toThrow(
      'the key "next" is written twice in one object (line 2 and line 3): JSON keeps only the last; remove one',
    );
    // The same key in different objects, in strings, escaped or as a value is no duplicate.
    const fine = '{"a":{"k":1},"b":{"k":"\\"k\\":"},"k":["k","k"],"c\\"":1,"c":2,"d":[{"k":1},{"k":2}]}';
    expect(parseJsonText(fine)).toMatchObject({ a: { k: 1 }, c: 2 });
    expect(() => parseJsonText('{"a":1,"\\u0061":2}')).toThrow(/key "\\u0061" is written twice/);
  });

  it("says on which line and column a syntax error is, and where the text ends too early", () => {
    expect(() => parseJsonText('{\n  "a": 1,\n  "b" 2\n}')).toThrow(/\(line 3 column 7\)$/);
    expect(() => parseJsonText('{\n  "a":')).toThrow(/\(line 2 column 7\)$/);
  });
});

describe("decodeJsonBytes", () => {
  const bytes = (...parts: Array<string | number[]>) =>
    Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));

  it("decodes UTF-8, a U+FFFD written in the file included", () => {
    expect(decodeJsonBytes(bytes('{"name":"Zoë \uFFFD 🦜"}'))).toBe('{"name":"Zoë \uFFFD 🦜"}');
    expect(decodeJsonBytes(bytes('{"name":"\u{FFFD}é"}'.replace("\\u{FFFD}", "\uFFFD")))).toContain("é");
  });

  it("drops a leading byte order mark, as Windows editors write it", () => {
    expect(decodeJsonBytes(bytes([0xef, 0xbb, 0xbf], '{"a":1}'))).toBe('{"a":1}');
  });

  it("refuses bytes that are not UTF-8, saying where, instead of turning them into U+FFFD", () => {
    expect(() => decodeJsonBytes(bytes('{\n  "name": "Caf', [0xe9], '"\n}'))).toThrow(
      "not UTF-8 text: byte 0xE9 at line 2 column 15 (Latin-1 or Windows-1252?); save the file as UTF-8",
    );
    expect(() => decodeJsonBytes(bytes("\uFFFD", [0x80]))).toThrow(/byte 0x80 at line 1 column 2/);
  });

  it("refuses UTF-16", () => {
    expect(() => decodeJsonBytes(Buffer.from('\uFEFF{"a":1}', "utf16le"))).toThrow(/UTF-16/);
  });
});
