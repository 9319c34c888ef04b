import fc from "fast-check";
import {
  anyContentType,
  hostileBody,
  hostileKey,
  hostileQuery,
  hostileSegment,
  jsonishText,
} from "./fuzz.js";

/**
 * Requests for every operation of the admin API, generated from its OpenAPI document (so a new
 * route is fuzzed the day it is added): path parameters from known ids and hostile segments,
 * declared query parameters with right and wrong types, and bodies that follow the declared
 * schema with wrong types mixed in, boundary values (`boundaryFor`), or are not JSON at all.
 */
export interface JsonSchema {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  exclusiveMinimum?: boolean | number;
  description?: string;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  additionalProperties?: unknown;
}

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/flows/{id}/publish`. */
  path: string;
  pathParams: string[];
  query: Array<{ name: string; schema: JsonSchema }>;
  body?: JsonSchema;
}

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ in: string; name: string; schema: JsonSchema }>;
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
}

export function operationsOf(doc: OpenApiDoc): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string),
      query: (op.parameters ?? [])
        .filter((p) => p.in === "query")
        .map((p) => ({ name: p.name, schema: p.schema })),
      ...(op.requestBody ? { body: op.requestBody.content?.["application/json"]?.schema ?? {} } : {}),
    })),
  );
}

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

/** A value of the wrong type on purpose, or one far too long. */
const wrongValue = fc.oneof(
  fc.constantFrom(null, true, -1, 0, 1e308, "", "__proto__", [], {}),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 10_000, max: 200_000 }).map((n) => "x".repeat(n)),
);

/**
 * A value that matches the schema, is of the wrong type on purpose, or is a boundary value of its
 * kind (`boundaryFor`); `ids` (the stack's own) stand in for strings sometimes, so more requests
 * get past lookups.
 */
export function valueFor(
  schema: JsonSchema,
  depth = 0,
  name = "",
  ids: string[] = [],
): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: rightValueFor(schema, depth, name, ids) },
    { weight: 1, arbitrary: wrongValue },
    { weight: 2, arbitrary: boundaryFor(schema, name) },
  );
}

/** Valid-looking values for strings the schema only describes (durations, times, cursors). */
function plausibleString(schema: JsonSchema, name: string): fc.Arbitrary<string> | undefined {
  const about = `${name} ${schema.description ?? ""}`;
  if (/olderThan|duration/i.test(about)) return fc.constantFrom("PT1H", "P1D", "P7D", "PT0S", "P99Y");
  if (/\b(since|until)\b|time/i.test(about))
    return fc.constantFrom(
      "2026-01-01T00:00:00Z",
      "2026-12-03",
      "1700000000000",
      "0",
      "1970-01-01T00:00:00+01:00",
    );
  if (/cursor/i.test(about)) return fc.constantFrom("1700000000000:run_x", "0:a");
  return undefined;
}

/** A value the schema accepts, as far as the generator can tell (a field of it may be mutated). */
function rightValueFor(
  schema: JsonSchema,
  depth: number,
  name: string,
  ids: string[],
): fc.Arbitrary<unknown> {
  // One mutation per request: nested objects are valid, only the body's own fields are mutated.
  const mutates = depth === 0;
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf && schema.anyOf.length > 0)
    return fc.oneof(...schema.anyOf.map((s) => rightValueFor(s, depth, name, ids)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string": {
      const plausible = plausibleString(schema, name);
      const text = schema.pattern
        ? fc.oneof(
            { weight: 4, arbitrary: fc.stringMatching(new RegExp(schema.pattern, "u")) },
            { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
          )
        : (plausible ??
          fc.oneof(
            fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 60) }),
            // Words the API knows, so generated bodies get past the first check more often.
            fc.constantFrom("whatsapp", "salesforce", "Lead", "tern.flow/v1", "message", "sandbox"),
          ));
      return ids.length > 0 && !plausible ? fc.oneof(text, fc.constantFrom(...ids)) : text;
    }
    case "integer": {
      const min = (schema.minimum ?? -5) + (schema.exclusiveMinimum === true ? 1 : 0);
      return fc.integer({ min, max: Math.max(min, Math.min(schema.maximum ?? 1_000, 1_000)) });
    }
    case "number":
      return fc.double();
    case "boolean":
      return fc.boolean();
    case "array":
      return depth > 3
        ? fc.constant([])
        : fc.array(valueFor(schema.items ?? {}, depth + 1, "", ids), { maxLength: 3 });
    case "object": {
      if (depth > 3) return fc.constant({});
      const props = Object.entries(schema.properties ?? {});
      const required = (schema.required ?? []).filter((k) => props.some(([p]) => p === k));
      // Every field valid but (often) one: a request wrong in one place reaches the code behind
      // the checks of the others, and a value stored there is read back by later requests.
      const valid = fc.record(
        Object.fromEntries(props.map(([k, s]) => [k, rightValueFor(s, depth + 1, k, ids)])),
        { requiredKeys: required },
      );
      const mutation =
        props.length === 0 || !mutates
          ? fc.constant(undefined)
          : fc.option(
              fc
                .constantFrom(...props)
                .chain(([k, s]) =>
                  fc
                    .oneof({ weight: 2, arbitrary: boundaryFor(s, k) }, { weight: 1, arbitrary: wrongValue })
                    .map((v) => [k, v] as const),
                ),
              { freq: 2 },
            );
      // Free-form maps (config, attributes, a run's input) keep what they are given: boundary values too.
      const extraValue = fc.oneof(
        { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
        { weight: 1, arbitrary: boundaryString },
        { weight: 1, arbitrary: boundaryInteger },
      );
      const extraKey = fc.oneof(
        hostileKey,
        boundaryString.filter((k) => k.length < 100),
      );
      const free = schema.additionalProperties !== false || props.length === 0;
      const extra = fc.oneof(
        { weight: free ? 1 : mutates ? 3 : 20, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.dictionary(extraKey, extraValue, { maxKeys: 3 }) },
      );
      return fc
        .tuple(valid, mutation, extra)
        .map(([a, m, b]) => ({ ...b, ...a, ...(m ? { [m[0]]: m[1] } : {}) }));
    }
    default:
      // No declared shape (a flow file): arbitrary JSON.
      return fc.jsonValue({ maxDepth: 4 });
  }
}

/** Body text: schema-shaped JSON (a `__proto__` key spliced in sometimes), hostile bytes, or nothing. */
export function bodyFor(
  schema: JsonSchema | undefined,
  ids: string[] = [],
): fc.Arbitrary<Buffer | undefined> {
  const shaped = fc
    .tuple(
      valueFor(schema ?? {}, 0, "", ids),
      fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
    )
    .map(([v, poison]) => {
      const text = JSON.stringify(v) ?? "null";
      return poison && text.startsWith("{") && text.length > 2
        ? `{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},${text.slice(1)}`
        : text;
    })
    .map((t) => Buffer.from(t));
  return fc.oneof(
    { weight: 8, arbitrary: shaped },
    { weight: 2, arbitrary: hostileBody },
    { weight: 1, arbitrary: jsonishText.map((t) => Buffer.from(t)) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, Buffer.alloc(0)) },
  );
}

/**
 * The request target: path parameters filled in; declared query parameters valid but (often) one,
 * which is a boundary value, of the wrong type or hostile; sometimes undeclared ones too.
 */
export function targetFor(op: Operation, knownIds: string[]): fc.Arbitrary<string> {
  const param = fc.oneof(
    { weight: 4, arbitrary: knownIds.length > 0 ? fc.constantFrom(...knownIds) : hostileSegment },
    { weight: 1, arbitrary: hostileSegment },
    { weight: 1, arbitrary: boundarySegment },
  );
  const params = fc.array(param, { minLength: op.pathParams.length, maxLength: op.pathParams.length });
  const encode = (v: unknown) => percentEncode(typeof v === "string" ? v : (JSON.stringify(v) ?? ""));
  const valid = fc.record(
    Object.fromEntries(
      op.query.map((q) => [q.name, rightValueFor(q.schema, 0, q.name, knownIds).map(encode)]),
    ),
    { requiredKeys: [] },
  );
  const mutation =
    op.query.length === 0
      ? fc.constant(undefined)
      : fc.option(
          fc
            .constantFrom(...op.query)
            .chain((q) =>
              fc
                .oneof(
                  { weight: 3, arbitrary: boundaryFor(q.schema, q.name).map(encode) },
                  { weight: 1, arbitrary: wrongValue.map(encode) },
                  { weight: 1, arbitrary: hostileSegment },
                )
                .map((v) => [q.name, v] as const),
            ),
          { freq: 3 },
        );
  const extra = fc.oneof({ weight: 2, arbitrary: fc.constant("") }, { weight: 1, arbitrary: hostileQuery });
  return fc.tuple(params, valid, mutation, extra).map(([values, query, m, more]) => {
    let i = 0;
    const path = op.path.replace(/\{[^}]+\}/g, () => values[i++] as string);
    const all = m ? { ...query, [m[0]]: m[1] } : query;
    const pairs = Object.entries(all).map(([k, v]) => `${k}=${v}`);
    const q = [...pairs, more.replace(/^\?/, "")].filter(Boolean).join("&");
    return q ? `${path}?${q}` : path;
  });
}

/** Content types, mostly JSON so that bodies reach the routes. */
export const contentTypeFor = fc.oneof(
  { weight: 3, arbitrary: fc.constant("application/json") },
  { weight: 1, arbitrary: anyContentType },
);

export { anyContentType };
