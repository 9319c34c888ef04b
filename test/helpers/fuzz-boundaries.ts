import fc from "fast-check";
import type { JsonSchema } from "./openapi-fuzz.js";

/**
 * Boundary values for the admin fuzz (`openapi-fuzz.ts`): integers at the stores' column limits,
 * strings with NUL, lone surrogates and 100 KB of one unit, absurd durations and times, cursors
 * with extreme parts, path segments at the edges of percent-encoding.
 */

/**
 * Integers where storage and arithmetic break: the INTEGER and BIGINT limits of the columns,
 * 2^53, negatives and -0, 1e20; in a query every value is text, so also 20+ digit strings.
 */
export const boundaryInteger: fc.Arbitrary<unknown> = fc.constantFrom(
  2_147_483_647,
  2_147_483_648,
  -2_147_483_648,
  -2_147_483_649,
  4_294_967_296,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  2 ** 63,
  -1,
  -0,
  0,
  1e20,
  1e308,
  0.5,
  "2147483648",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775809",
  "12345678901234567890",
  "99999999999999999999999999999999",
  "-12345678901234567890",
  "00000000000000000000001",
  "1e20",
  "0x7fffffff",
  "Infinity",
  "-0",
);

/** A string of `n` bytes of one unit (100 KB and up): length limits, index sizes, log lines. */
const longString = fc
  .tuple(fc.constantFrom("a", "é", "💥", "\u0000", "\u202e", "%"), fc.constantFrom(100_000, 300_000))
  .map(([unit, n]) => unit.repeat(Math.ceil(n / Buffer.byteLength(unit))));

/**
 * Text a database or an encoder may refuse: NUL (PostgreSQL's text and jsonb), lone surrogates
 * (JSON.stringify writes them as `\ud800` escapes, which jsonb refuses), right-to-left and
 * zero-width marks, noncharacters, line separators, and very long strings.
 */
export const boundaryString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "\u0000",
      "a\u0000b",
      "\ud800",
      "\udfff",
      "x\ud83d",
      "\ude00x",
      "\udc00\ud800",
      "\u202eevil\u202c",
      "\u200b",
      "\u200d\u200c",
      "\ufeff",
      "\u2028\u2029",
      "\uffff\ufffe",
      "\u{10ffff}",
      "e\u0301",
      "\\u0000",
      "\\ud800",
      "%00",
      " ",
      "\t\r\n",
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 10 }), fc.constantFrom("\u0000", "\ud800", "\udfff", "\u202e", "\u200b"))
      .map(([a, b]) => `${a}${b}${a}`),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  { weight: 1, arbitrary: longString },
);

/** ISO-8601 durations of absurd length, sign or precision (the `olderThan` of runs). */
export const boundaryDuration = fc.constantFrom(
  "P99999999999W",
  "PT999999999999999H",
  "P9999999999999999999999Y",
  "P100Y",
  "P101Y",
  "P36525D",
  "P36526D",
  "PT876600H",
  "PT3155760000S",
  "PT99999999999999999999999999S",
  "PT0.000000000001S",
  "PT1.7976931348623157e308S",
  "P1e9D",
  "P0D",
  "PT0S",
  "-P1D",
  "PT-1H",
  "P",
  "PT",
  "P1Y2M3W4DT5H6M7.5S",
  "P0.5Y",
  "p7d",
  "P7D\u0000",
);

/** Times far before 1970 and after 9999, at and past what Date holds (the `since`, `until` of runs). */
export const boundaryTime = fc.constantFrom(
  "0000-01-01",
  "0001-01-01T00:00:00Z",
  "1000-01-01T00:00:00.000Z",
  "1969-12-31T23:59:59.999Z",
  "1900-02-29",
  "9999-12-31T23:59:59.999Z",
  "9999-12-31T23:59:59.999-23:59",
  "0000-01-01T00:00:00+23:59",
  "10000-01-01",
  "+275760-09-13T00:00:00.000Z",
  "+275760-09-13T00:00:00.001Z",
  "-271821-04-20T00:00:00.000Z",
  "-000001-01-01T00:00:00Z",
  "2026-01-01T99:99:99Z",
  "2026-01-01T00:00:00.0000000000000000000001Z",
  "999999999999999",
  "9999999999999999",
  "8640000000000000",
  "8640000000000001",
  "-1",
  "-8640000000000000",
  "99999999999999999999",
  "1e20",
  "0",
  "000000000000000",
);

/** Paging cursors of the shape GET /runs issues (`<ms>:<id>`) with extreme parts. */
export const boundaryCursor = fc
  .tuple(
    fc.constantFrom(
      "0",
      "000000000000000",
      "999999999999999",
      "9999999999999999",
      "99999999999999999999",
      "-1",
      "1e20",
      "",
    ),
    fc.constantFrom(
      "run_x",
      "-",
      "_",
      "x".repeat(200),
      "x".repeat(201),
      "run_\u0000",
      "run_\ud800",
      "",
      "a:b",
    ),
  )
  .map(([at, id]) => `${at}:${id}`);

/**
 * A boundary value for a field, chosen by what the schema says it is: its type, and for strings
 * its name or description (durations, times, cursors).
 */
export function boundaryFor(schema: JsonSchema, name = ""): fc.Arbitrary<unknown> {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const about = `${name} ${schema.description ?? ""}`;
  if (type === "integer" || type === "number") return boundaryInteger;
  if (/olderThan|duration/i.test(about)) return fc.oneof(boundaryDuration, boundaryString);
  if (/\b(since|until)\b|time/i.test(about)) return fc.oneof(boundaryTime, boundaryString);
  if (/cursor/i.test(about)) return fc.oneof(boundaryCursor, boundaryString);
  if (type === "object")
    // A free-form map (a run's input, a contact's attributes) holding boundary values.
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(boundaryString, boundaryInteger), {
      minKeys: 1,
      maxKeys: 3,
    });
  return fc.oneof(boundaryString, boundaryInteger);
}

/** encodeURIComponent, but a lone surrogate (which it throws on) is sent as its WTF-8 bytes. */
export function percentEncode(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    out +=
      code >= 0xd800 && code <= 0xdfff
        ? `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase()
        : encodeURIComponent(ch);
  }
  return out;
}

/** Path parameters at the edges of percent-encoding, length and the id patterns the routes declare. */
export const boundarySegment: fc.Arbitrary<string> = fc.oneof(
  boundaryString.filter((s) => s.length < 2_000).map(percentEncode),
  fc.constantFrom(
    "%F4%90%80%80",
    "%EF%BF%BE",
    "%E2%80%8B",
    "%E2%80%AE",
    "%C2%A0",
    "%25",
    "%2500",
    "%252e%252e",
    "+",
    "%2B",
    "%0A",
    "%0D%0A",
    "%7F",
    "%u0000",
    "%F0%9F%92",
    "x".repeat(200),
    "x".repeat(201),
    `ct_${"A".repeat(9)}`,
    `ct_${"A".repeat(40)}`,
    `ct_${"A".repeat(41)}`,
    "ct_%00AAAAAAAAA",
    "12345678901234567890",
    "2147483648",
  ),
);
