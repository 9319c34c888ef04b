import { z } from "zod";

/**
 * zod's default messages ("Invalid input: expected string, received undefined", "Too small:
 * expected string to have >=1 characters") read like a type checker. Every API answer, config
 * error and flow problem that has no message of its own gets one a person can act on instead
 * ("required (a string)", "must not be empty"). Installed once, for the whole process, by
 * importing this module; a schema's own message still wins.
 */
export function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return `required (${article(issue.expected)})`;
      // A query's "abc" coerced to a number arrives as NaN: "not a number" would say nothing.
      if (Number.isNaN(issue.input)) return `must be ${article(issue.expected)}`;
      // 1e400 coerced is Infinity, which zod refuses as a number: "not a number" would contradict it.
      if (typeof issue.input === "number" && !Number.isFinite(issue.input) && issue.expected === "number")
        return "must be a finite number";
      return `must be ${article(issue.expected)}, not ${kindOf(issue.input)}`;
    case "too_small":
      return tooSmall(issue.origin, Number(issue.minimum), issue.inclusive !== false);
    case "too_big":
      return tooBig(issue.origin, Number(issue.maximum), issue.inclusive !== false);
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown ${issue.keys.length > 1 ? "fields" : "field"} ${issue.keys
        .map((k) => JSON.stringify(k))
        .join(", ")}; check the spelling`;
    case "invalid_format":
      return FORMATS[issue.format];
    default:
      return undefined;
  }
}

const FORMATS: Record<string, string> = {
  url: "must be a URL such as https://example.com",
  email: "must be an email address",
  datetime: "must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z",
  date: "must be a date such as 2026-01-31",
  uuid: "must be a UUID",
};

function tooSmall(origin: string, minimum: number, isInclusive: boolean): string | undefined {
  const least = isInclusive ? minimum : minimum + 1;
  if (origin === "string") return least <= 1 ? "must not be empty" : `must be at least ${least} characters`;
  if (origin === "array" || origin === "set")
    return least <= 1 ? "must not be empty" : `must have at least ${least} items`;
  if (origin === "number" || origin === "int" || origin === "bigint")
    return isInclusive ? `must be at least ${minimum}` : `must be greater than ${minimum}`;
  return undefined;
}

function tooBig(origin: string, maximum: number, isInclusive: boolean): string | undefined {
  const most = isInclusive ? maximum : maximum - 1;
  if (origin === "string") return `must be at most ${most} characters`;
  if (origin === "array" || origin === "set") return `must have at most ${most} items`;
  if (origin === "number" || origin === "int" || origin === "bigint")
    return isInclusive ? `must be at most ${maximum}` : `must be less than ${maximum}`;
  return undefined;
}

export function article(expected: string): string {
  if (expected === "int" || expected === "integer") return "an integer";
  if (expected === "record") return "an object";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return article(typeof value);
}

z.config({ customError: (issue) => plainMessage(issue) });
