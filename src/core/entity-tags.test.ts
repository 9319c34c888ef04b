import { describe, expect, it } from "vitest";
import { AppError } from "./app-error.js";
import { entityTag, ifMatchHolds, isIfMatch, parseIfMatch } from "./entity-tags.js";

describe("If-Match (RFC 9110 §13.1.1)", () => {
  it("is absent when no header was sent", () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it("reads *, one tag, and a list with spaces and empty elements", () => {
    expect(parseIfMatch("*")).toEqual({ any: true });
    expect(parseIfMatch('"v7"')).toEqual({ any: false, tags: ['"v7"'] });
    expect(parseIfMatch(' "v1" , ,"v2",W/"v3" ')).toEqual({ any: false, tags: ['"v1"', '"v2"', 'W/"v3"'] });
  });

  it("keeps a comma inside a quoted tag as part of that tag", () => {
    expect(parseIfMatch('"a,b", "c"')).toEqual({ any: false, tags: ['"a,b"', '"c"'] });
  });

  it.each(["v7", "", " ", '"v7', "'v7'", '"v"7"', '"v7" "v8"', '*, "v7"', 'w/"v7"'])(
    "refuses the malformed value %j with a 400 that says what it must be",
    (value) => {
      expect(isIfMatch(value)).toBe(false);
      const error = (() => {
        try {
          parseIfMatch(value);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).httpStatus).toBe(400);
      expect((error as AppError).message).toMatch(/quoted entity-tags/);
    },
  );

  it("matches strongly: the same tag, or * for any existing resource; a weak tag never", () => {
    const current = entityTag("v7");
    expect(current).toBe('"v7"');
    expect(ifMatchHolds({ any: false, tags: ['"v6"', '"v7"'] }, current)).toBe(true);
    expect(ifMatchHolds({ any: false, tags: ['"v6"'] }, current)).toBe(false);
    expect(ifMatchHolds({ any: false, tags: ['W/"v7"'] }, current)).toBe(false);
    expect(ifMatchHolds({ any: true }, current)).toBe(true);
    expect(ifMatchHolds({ any: true }, null)).toBe(false);
  });
});
