import type { MessageExpectation } from "../flows/flow-test.js";

/**
 * How a test case's expectations compare with what happened. Messages: exact text, `contains` or
 * `matches`. Values (variables, record fields): a subset match — only the keys named are
 * compared, recursively; arrays element by element with the same length; and the matchers
 * `{ "$contains": "…" }`, `{ "$matches": "…" }`, `{ "$exists": true|false }` anywhere a value goes.
 */

export interface SentMessage {
  text: string;
  choices?: Array<{ id: string; title: string }>;
}

/** One difference: where, what was expected, what was there. */
export interface Mismatch {
  path: string;
  expected: string;
  actual: string;
}

type TextMatcher = string | { contains: string } | { matches: string };

function textMatches(expected: TextMatcher, actual: string): boolean {
  if (typeof expected === "string") return actual === expected;
  if ("contains" in expected) return actual.includes(expected.contains);
  return new RegExp(expected.matches, "u").test(actual);
}

function describeText(expected: TextMatcher): string {
  if (typeof expected === "string") return JSON.stringify(expected);
  if ("contains" in expected) return `text containing ${JSON.stringify(expected.contains)}`;
  return `text matching /${expected.matches}/`;
}

/** How an expected message reads in a diff. */
export function describeMessage(expected: MessageExpectation): string {
  if (typeof expected === "string" || !("text" in expected)) return describeText(expected);
  const choices = expected.choices ? ` with buttons [${expected.choices.join(", ")}]` : "";
  return `${describeText(expected.text)}${choices}`;
}

/** How a sent message reads in a diff. */
export function showMessage(actual: SentMessage): string {
  const choices = actual.choices?.length
    ? ` with buttons [${actual.choices.map((c) => c.id).join(", ")}]`
    : "";
  return `${JSON.stringify(actual.text)}${choices}`;
}

export function messageMatches(expected: MessageExpectation, actual: SentMessage): boolean {
  if (typeof expected === "string" || !("text" in expected)) return textMatches(expected, actual.text);
  if (!textMatches(expected.text, actual.text)) return false;
  if (!expected.choices) return true;
  const ids = (actual.choices ?? []).map((c) => c.id);
  return ids.length === expected.choices.length && ids.every((id, i) => id === expected.choices?.[i]);
}

/** A JSON value as a diff shows it (long text kept whole: the diff is for a person to read). */
export function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  return JSON.stringify(value) ?? String(value);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

function valueMatcher(expected: Record<string, unknown>): ((actual: unknown) => boolean) | null {
  const keys = Object.keys(expected);
  if (keys.length !== 1) return null;
  const [key] = keys;
  const operand = expected[key as string];
  if (key === "$contains" && typeof operand === "string")
    return (actual) => typeof actual === "string" && actual.includes(operand);
  if (key === "$matches" && typeof operand === "string")
    return (actual) => typeof actual === "string" && new RegExp(operand, "u").test(actual);
  if (key === "$exists" && typeof operand === "boolean")
    return (actual) => (actual !== undefined && actual !== null) === operand;
  return null;
}

const join = (path: string, key: string | number): string =>
  typeof key === "number"
    ? `${path}[${key}]`
    : /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
      ? `${path}.${key}`
      : `${path}[${JSON.stringify(key)}]`;

/** Every place where `actual` differs from what `expected` names (empty when it matches). */
export function subsetMismatches(expected: unknown, actual: unknown, path: string): Mismatch[] {
  if (isPlainObject(expected)) {
    const matcher = valueMatcher(expected);
    if (matcher) return matcher(actual) ? [] : [{ path, expected: show(expected), actual: show(actual) }];
    if (!isPlainObject(actual)) return [{ path, expected: show(expected), actual: show(actual) }];
    return Object.entries(expected).flatMap(([key, value]) =>
      subsetMismatches(value, Object.hasOwn(actual, key) ? actual[key] : undefined, join(path, key)),
    );
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return [{ path, expected: show(expected), actual: show(actual) }];
    return expected.flatMap((value, i) => subsetMismatches(value, actual[i], join(path, i)));
  }
  return Object.is(expected, actual) || expected === actual
    ? []
    : [{ path, expected: show(expected), actual: show(actual) }];
}
