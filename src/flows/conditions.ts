import { z } from "zod";
import { BusinessHours, isWithinBusinessHours } from "./business-hours.js";
import { matchesPattern, patternProblem } from "./safe-regex.js";
import { isTemplate, SCOPE_ROOTS, type TemplateScope } from "./template.js";

/**
 * Branch conditions are data, evaluated here: no eval, no new Function, no vm.
 * `left` is a path into the template scope (`vars.age`, `steps.create_lead.id`) which keeps the
 * value's type, or a Liquid template (`{{ vars.name | downcase }}`) which yields text.
 * String `right` values containing Liquid are rendered too.
 */

const PATH = new RegExp(`^(${SCOPE_ROOTS.join("|")})((\\.[A-Za-z0-9_]+)|(\\[\\d+\\]))*$`);

export const Operators = [
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "contains",
  "startsWith",
  "matches",
  "in",
  "exists",
  "empty",
] as const;
export type Operator = (typeof Operators)[number];

const UNARY: ReadonlySet<Operator> = new Set(["exists", "empty"]);

export const Comparison = z
  .strictObject({
    left: z
      .string()
      .max(2_000)
      .refine((v) => isTemplate(v) || PATH.test(v), {
        error: `left must be a path such as vars.age (starting with ${SCOPE_ROOTS.join(", ")}) or a template such as "{{ vars.age }}"`,
      }),
    op: z.enum(Operators),
    right: z.unknown().optional(),
    ignoreCase: z.boolean().optional().describe("Compare strings case-insensitively"),
  })
  .check((ctx) => {
    const { op, right } = ctx.value;
    if (!UNARY.has(op) && right === undefined) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        path: ["right"],
        message: `op "${op}" needs a right value`,
      });
    }
    if (op === "matches" && right !== undefined) {
      const problem =
        typeof right !== "string"
          ? 'op "matches" needs a pattern as right value, e.g. "^[0-9]{5}$"'
          : isTemplate(right)
            ? 'op "matches" takes a literal pattern, not a template'
            : patternProblem(right);
      if (problem) ctx.issues.push({ code: "custom", input: right, path: ["right"], message: problem });
    }
    if (op === "in" && right !== undefined && !Array.isArray(right)) {
      ctx.issues.push({
        code: "custom",
        input: right,
        path: ["right"],
        message: 'op "in" needs a list as right value, e.g. ["yes", "y"]',
      });
    }
  });
export type Comparison = z.infer<typeof Comparison>;

export type Condition =
  | Comparison
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { businessHours: z.input<typeof BusinessHours> };

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    Comparison,
    z.strictObject({ all: z.array(Condition).min(1, { error: "all needs at least one condition" }) }),
    z.strictObject({ any: z.array(Condition).min(1, { error: "any needs at least one condition" }) }),
    z.strictObject({ not: Condition }),
    z.strictObject({ businessHours: BusinessHours }),
  ]),
);

export interface ConditionEnv {
  scope: TemplateScope;
  render(template: string): string;
  /** The run's clock (business hours); default the system clock. */
  now?(): number;
}

export function evaluateCondition(cond: Condition, env: ConditionEnv, depth = 0): boolean {
  if (depth > 64) return false;
  if ("all" in cond) return cond.all.every((c) => evaluateCondition(c, env, depth + 1));
  if ("any" in cond) return cond.any.some((c) => evaluateCondition(c, env, depth + 1));
  if ("not" in cond) return !evaluateCondition(cond.not, env, depth + 1);
  if ("businessHours" in cond) return isWithinBusinessHours(cond.businessHours, env.now?.() ?? Date.now());
  const left = isTemplate(cond.left) ? env.render(cond.left) : resolvePath(env.scope, cond.left);
  const right = renderRight(cond.right, env);
  return compare(cond.op, left, right, cond.ignoreCase ?? false);
}

function renderRight(value: unknown, env: ConditionEnv): unknown {
  if (typeof value === "string" && isTemplate(value)) return env.render(value);
  if (Array.isArray(value)) return value.map((v) => renderRight(v, env));
  return value;
}

/** Reads `vars.items[0].name` from the scope, own properties only. */
export function resolvePath(scope: TemplateScope, path: string): unknown {
  const parts = path.match(/[A-Za-z0-9_]+/g) ?? [];
  let current: unknown = scope;
  for (const part of parts) {
    if (current === null || typeof current !== "object") return undefined;
    if (Array.isArray(current)) current = current[Number(part)];
    else current = Object.hasOwn(current, part) ? (current as Record<string, unknown>)[part] : undefined;
  }
  return current;
}

function compare(op: Operator, left: unknown, right: unknown, ignoreCase: boolean): boolean {
  switch (op) {
    case "eq":
      return equals(left, right, ignoreCase);
    case "ne":
      return !equals(left, right, ignoreCase);
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return order(op, left, right);
    case "contains": {
      if (Array.isArray(left)) return left.some((item) => equals(item, right, ignoreCase));
      const text = asText(left);
      return (
        text !== null &&
        typeof right !== "object" &&
        fold(text, ignoreCase).includes(fold(String(right), ignoreCase))
      );
    }
    case "startsWith": {
      const text = asText(left);
      return (
        text !== null &&
        typeof right !== "object" &&
        fold(text, ignoreCase).startsWith(fold(String(right), ignoreCase))
      );
    }
    case "matches":
      return (
        typeof right === "string" &&
        (typeof left === "string" || typeof left === "number") &&
        matchesPattern(right, String(left), ignoreCase)
      );
    case "in":
      return Array.isArray(right) && right.some((item) => equals(left, item, ignoreCase));
    case "exists":
      return left !== undefined && left !== null;
    case "empty":
      return isEmpty(left);
  }
}

/**
 * Text, or a number as its text (as `matches` reads it): an `ask` with `expect: "number"` saves a
 * ZIP code as 80331, and `startsWith "80"` must see it as the customer wrote it.
 */
function asText(value: unknown): string | null {
  if (typeof value === "string") return value;
  return typeof value === "number" && Number.isFinite(value) ? String(value) : null;
}

function fold(value: string, ignoreCase: boolean): string {
  return ignoreCase ? value.toLowerCase() : value;
}

/**
 * Plain decimals only: `Number()` also reads "0x12", "0b11" and "1e3", so a customer's text
 * "0x12" passed `age gte 18` (the ask step refuses those strings as numbers too).
 */
const DECIMAL = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$/;

/**
 * A decimal string's number when a double holds it exactly (15 significant digits at most): two
 * order or chat ids of 20 digits that differ in the last would otherwise read as one number.
 */
function exactNumber(value: string): number | null {
  const n = asNumber(value);
  if (n === null) return null;
  const digits = value.replace(/[^\d]/g, "").replace(/^0+/, "");
  return digits.replace(/0+$/, "").length <= 15 ? n : null;
}

function asNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && DECIMAL.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * Numbers and numeric strings compare as numbers ("42" eq 42, "42" eq "42.0": as `gte` and `lte`
 * read them, or "42" would be gte and lte "42.0" but not eq); objects compare structurally.
 */
function equals(left: unknown, right: unknown, ignoreCase: boolean): boolean {
  if (typeof left === "number" || typeof right === "number") {
    const l = asNumber(left);
    const r = asNumber(right);
    return l !== null && r !== null && l === r;
  }
  if (typeof left === "string" && typeof right === "string") {
    const l = exactNumber(left);
    const r = exactNumber(right);
    if (l !== null && r !== null) return l === r;
    return fold(left, ignoreCase) === fold(right, ignoreCase);
  }
  if (left === undefined || right === undefined) return left === right || (left ?? null) === (right ?? null);
  return JSON.stringify(left) === JSON.stringify(right);
}

/** Numbers (or numeric strings) compare numerically; other strings lexicographically (ISO dates work). */
function order(op: "gt" | "gte" | "lt" | "lte", left: unknown, right: unknown): boolean {
  const l = asNumber(left);
  const r = asNumber(right);
  let diff: number;
  if (l !== null && r !== null) diff = l - r;
  else if (typeof left === "string" && typeof right === "string")
    diff = left < right ? -1 : left > right ? 1 : 0;
  else return false;
  if (op === "gt") return diff > 0;
  if (op === "gte") return diff >= 0;
  if (op === "lt") return diff < 0;
  return diff <= 0;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}
