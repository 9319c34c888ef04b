import fc from "fast-check";

/**
 * Shared pieces of the fuzz suite (test/fuzz): run parameters and the hostile inputs every public
 * surface must survive. Each property states its own `numRuns`; the seed is random unless
 * TERN_FUZZ_SEED is set, and fast-check prints it (with the shrunk counterexample) on failure, so
 * `TERN_FUZZ_SEED=<seed> npx vitest run test/fuzz/<file>` replays a failure. TERN_FUZZ_SCALE=10
 * runs ten times as many inputs, for a deeper search outside the suite.
 */
export function fuzzRuns(numRuns: number, options: { shrink?: boolean } = {}): fc.Parameters<unknown> {
  const seed = process.env.TERN_FUZZ_SEED;
  const scale = Number(process.env.TERN_FUZZ_SCALE ?? 1) || 1;
  return {
    numRuns: Math.ceil(numRuns * scale),
    ...(seed ? { seed: Number(seed) } : {}),
    // Against a server, shrinking after a crash would only "shrink" towards requests that fail
    // because the process is gone: report the input that actually failed instead.
    endOnFailure: options.shrink === false,
  };
}

/** Object keys that have hurt JavaScript servers: prototype pollution and shadowed built-ins. */
export const hostileKey = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty"),
  },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\u0000", "__defineGetter__", "valueOf", "then") },
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Percent-encodings a decoder chokes on: truncated, non-hex, overlong, lone surrogates, NUL. */
export const malformedPercent = fc.constantFrom(
  "%",
  "%%",
  "%E0%A4%A",
  "%E0%A4",
  "%ZZ",
  "%C0%80",
  "%C0%AF",
  "%ED%A0%80",
  "%FF%FE",
  "%00",
  "%2F",
  "%2e%2e%2f",
  "%u0041",
  "%%32%35",
);

/** Bytes that are not valid UTF-8 (lone continuation bytes, truncated sequences, overlongs). */
export const invalidUtf8 = fc.constantFrom(
  Buffer.from([0xff]),
  Buffer.from([0xc3]),
  Buffer.from([0x80, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xf0, 0x9f, 0x98]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
);

/** A huge string (hundreds of KB): length limits, quadratic regexes, log lines. */
export const hugeString = fc
  .tuple(fc.constantFrom("a", "%", "é", "\\", "0", "{", "💥"), fc.integer({ min: 50_000, max: 300_000 }))
  .map(([unit, n]) => unit.repeat(n));

/** JSON nested deeper than any recursive walker's stack. */
export const deepJsonText = fc
  .tuple(fc.constantFrom("[", '{"a":'), fc.integer({ min: 1_000, max: 200_000 }))
  .map(([open, depth]) => {
    const close = open === "[" ? "]" : "}";
    return `${open.repeat(depth)}1${close.repeat(depth)}`;
  });

/** A JSON value whose objects may carry hostile keys, emitted as JSON text (so `__proto__` is a real key). */
const jsonTree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("null", "true", "false", "0", "-1", "1e308", "-0", "3.5", '""', '"x"'),
    fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
    fc.array(tie("node"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
    fc
      .array(fc.tuple(hostileKey, tie("node")), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
  ),
})).node;

/** Text that is JSON, almost JSON, or not JSON at all. */
export const jsonishText = fc.oneof(
  { weight: 5, arbitrary: jsonTree },
  { weight: 1, arbitrary: deepJsonText },
  { weight: 1, arbitrary: jsonTree.map((t) => t.slice(0, Math.max(0, t.length - 1))) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", " ", "{", "[", "{nope", '{"a":1}garbage', "nul", "\u0000", "𝄞"),
  },
  { weight: 1, arbitrary: hugeString.map((s) => JSON.stringify({ s })) },
);

/** A request body as bytes: JSON-ish text, or bytes that are not even UTF-8. */
export const hostileBody: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: jsonishText.map((t) => Buffer.from(t)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(jsonTree, invalidUtf8)
      .map(([t, bad]) => Buffer.concat([Buffer.from(t.slice(0, 1)), bad, Buffer.from(t.slice(1))])),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)) },
);

/** One path segment a stranger might send: ordinary, malformed percent-encoding, traversal, huge. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: malformedPercent },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 8 }), malformedPercent)
      .map(([a, b]) => `${encodeURIComponent(a)}${b}`),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("..", ".", "", "%2e%2e", "a/b", "a//b", "a;b", "a?b=", "%20", "%E2%80%AE"),
  },
  { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 60_000 }).map((n) => "x".repeat(n)) },
  { weight: 1, arbitrary: hostileKey.map(encodeURIComponent) },
);

/** A query string with malformed encodings, hostile keys and repeated parameters. */
export const hostileQuery: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.oneof(hostileKey.map(encodeURIComponent), malformedPercent), hostileSegment), {
    maxLength: 4,
  })
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));

/** Methods, including ones the HTTP parser does not know. */
export const anyMethod = fc.constantFrom(
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "HEAD",
  "OPTIONS",
  "TRACE",
  "PROPFIND",
  "FOO",
);

export const anyContentType = fc.constantFrom(
  undefined,
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "application/json, text/plain",
  "",
  ";;;",
);

/**
 * Mutations of a valid JSON document: one value replaced (wrong type, hostile value, huge string,
 * deep nesting), a key deleted, or a hostile key added. Yields the mutated document as JSON text.
 */
export function mutatedJson(valid: unknown): fc.Arbitrary<string> {
  const paths = collectPaths(valid);
  const replacement = fc.oneof(
    jsonTree,
    fc.constantFrom("null", "[]", "{}", '""', "0", "-1", "1e400", "true", '"__proto__"'),
    fc.integer({ min: 1_000, max: 20_000 }).map((n) => `"${"x".repeat(n)}"`),
    fc.integer({ min: 100, max: 5_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
  );
  const marker = "\u0000__tern_fuzz_marker__\u0000";
  return fc
    .tuple(fc.constantFrom(...paths), fc.constantFrom("replace", "delete", "addKey"), replacement, hostileKey)
    .map(([path, op, value, key]) => {
      const copy = structuredClone(valid) as unknown;
      if (path.length === 0) return op === "replace" ? value : JSON.stringify(copy);
      const parent = path
        .slice(0, -1)
        .reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], copy);
      const last = path[path.length - 1] as string | number;
      const target = parent as Record<string | number, unknown>;
      if (op === "delete") {
        if (Array.isArray(target)) target.splice(Number(last), 1);
        else delete target[last];
        return JSON.stringify(copy);
      }
      if (op === "addKey") {
        const inner = target[last];
        if (inner && typeof inner === "object" && !Array.isArray(inner)) {
          // Define, not assign: `obj.__proto__ = x` would change the prototype instead of adding a key.
          Object.defineProperty(inner, key, {
            value: marker,
            enumerable: true,
            configurable: true,
            writable: true,
          });
          return JSON.stringify(copy).replace(JSON.stringify(marker), () => value);
        }
      }
      target[last] = marker;
      return JSON.stringify(copy).replace(JSON.stringify(marker), () => value);
    });
}

function collectPaths(
  value: unknown,
  at: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
) {
  out.push(at);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collectPaths(v, [...at, i], out);
  } else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) collectPaths(v, [...at, k], out);
  return out;
}
