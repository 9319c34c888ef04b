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
 * schema with wrong types mixed in, or are not JSON at all.
 */
export interface JsonSchema {
  type?: string | string[];
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

/** A value that matches the schema, or is of the wrong type on purpose. */
export function valueFor(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const wrong = fc.oneof(
    fc.constantFrom(null, true, -1, 0, 1e308, "", "__proto__", [], {}),
    fc.string({ maxLength: 40 }),
    fc.integer({ min: 10_000, max: 200_000 }).map((n) => "x".repeat(n)),
  );
  const right = rightValueFor(schema, depth);
  return fc.oneof({ weight: 3, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

function rightValueFor(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return schema.pattern
        ? fc.oneof(fc.stringMatching(new RegExp(schema.pattern)), fc.string({ maxLength: 20 }))
        : fc.oneof(
            fc.string({ maxLength: 60 }),
            // Words the API knows, so generated bodies get past the first check more often.
            fc.constantFrom("whatsapp", "salesforce", "Lead", "tern.flow/v1", "message", "sandbox"),
          );
    case "integer":
      return fc.oneof(fc.integer({ min: -5, max: 1_000 }), fc.constant(Number.MAX_SAFE_INTEGER + 2));
    case "number":
      return fc.double();
    case "boolean":
      return fc.boolean();
    case "array":
      return depth > 3
        ? fc.constant([])
        : fc.array(valueFor(schema.items ?? {}, depth + 1), { maxLength: 3 });
    case "object": {
      if (depth > 3) return fc.constant({});
      const props = Object.entries(schema.properties ?? {});
      const known = fc.record(Object.fromEntries(props.map(([k, s]) => [k, valueFor(s, depth + 1)])), {
        requiredKeys: [],
      });
      const extra = fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }));
    }
    default:
      // No declared shape (a flow file): arbitrary JSON.
      return fc.jsonValue({ maxDepth: 4 });
  }
}

/** Body text: schema-shaped JSON (a `__proto__` key spliced in sometimes), hostile bytes, or nothing. */
export function bodyFor(schema: JsonSchema | undefined): fc.Arbitrary<Buffer | undefined> {
  const shaped = fc
    .tuple(valueFor(schema ?? {}), fc.boolean())
    .map(([v, poison]) => {
      const text = JSON.stringify(v) ?? "null";
      return poison && text.startsWith("{") && text.length > 2
        ? `{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},${text.slice(1)}`
        : text;
    })
    .map((t) => Buffer.from(t));
  return fc.oneof(
    { weight: 4, arbitrary: shaped },
    { weight: 2, arbitrary: hostileBody },
    { weight: 1, arbitrary: jsonishText.map((t) => Buffer.from(t)) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, Buffer.alloc(0)) },
  );
}

/** The request target: path parameters filled in, declared and hostile query parameters. */
export function targetFor(op: Operation, knownIds: string[]): fc.Arbitrary<string> {
  const param = fc.oneof(
    { weight: 2, arbitrary: knownIds.length > 0 ? fc.constantFrom(...knownIds) : hostileSegment },
    { weight: 3, arbitrary: hostileSegment },
  );
  const params = fc.array(param, { minLength: op.pathParams.length, maxLength: op.pathParams.length });
  const declared = fc.record(
    Object.fromEntries(
      op.query.map((q) => [
        q.name,
        fc.oneof(
          valueFor(q.schema).map((v) =>
            encodeURIComponent(typeof v === "string" ? v : (JSON.stringify(v) ?? "")),
          ),
          hostileSegment,
        ),
      ]),
    ),
    { requiredKeys: [] },
  );
  return fc.tuple(params, declared, hostileQuery).map(([values, query, extra]) => {
    let i = 0;
    const path = op.path.replace(/\{[^}]+\}/g, () => values[i++] as string);
    const pairs = Object.entries(query).map(([k, v]) => `${k}=${v}`);
    const q = [...pairs, extra.replace(/^\?/, "")].filter(Boolean).join("&");
    return q ? `${path}?${q}` : path;
  });
}

export { anyContentType };
