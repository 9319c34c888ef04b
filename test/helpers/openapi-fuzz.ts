import fc from "fast-check";
import {
  anyContentType,
  hostileBody,
  hostileKey,
  hostileQuery,
  hostileSegment,
  jsonishText,
} from "./fuzz.js";
import {
  boundaryFor,
  boundaryInteger,
  boundarySegment,
  boundaryString,
  percentEncode,
} from "./fuzz-boundaries.js";

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
