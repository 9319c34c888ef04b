import type { z } from "zod";
import { article, kindOf, plainMessage } from "../core/plain-messages.js";

/** Turns zod issues into `{ path, message }` a person can act on, with JSONPath paths. */

export interface ValidationIssue {
  /** JSONPath into the flow file, e.g. `$.steps[2].next`. */
  path: string;
  message: string;
  /** Set by design-time checks: the step and the external field the problem is about. */
  stepId?: string;
  field?: string;
}

export type PathSegment = PropertyKey;

export function jsonPath(segments: ReadonlyArray<PathSegment>): string {
  let out = "$";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/**
 * Names the step of every issue inside `$.steps[N]`: `stepId`, and the message starting
 * `step "<id>": ` as the design-time checks write it, so a problem reads the same whichever check
 * found it. The path is kept. Issues that already name their step are left as they are.
 */
export function withStepIds(
  issues: ReadonlyArray<ValidationIssue>,
  stepIdAt: (index: number) => string | undefined,
): ValidationIssue[] {
  return issues.map((issue) => {
    if (issue.stepId !== undefined) return issue;
    const index = /^\$\.steps\[(\d+)\]/.exec(issue.path)?.[1];
    const stepId = index === undefined ? undefined : stepIdAt(Number(index));
    if (stepId === undefined) return issue;
    const named = issue.message.startsWith(`step "${stepId}"`);
    return { ...issue, message: named ? issue.message : `step "${stepId}": ${issue.message}`, stepId };
  });
}

export function fromZodIssues(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  prefix: ReadonlyArray<PathSegment> = [],
): ValidationIssue[] {
  return issues.flatMap((issue) => fromZodIssue(issue, prefix));
}

function fromZodIssue(issue: z.core.$ZodIssue, prefix: ReadonlyArray<PathSegment>): ValidationIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // Report the alternative the author most likely meant: the one that got furthest.
    const best = [...issue.errors].sort((a, b) => score(a) - score(b))[0] ?? [];
    if (best.length > 0) return fromZodIssues(best, path);
  }
  return [{ path: jsonPath(path), message: describe(issue, path) }];
}

/** Fewer and deeper issues mean a closer match; an unknown key at the top means a different shape. */
function score(issues: ReadonlyArray<z.core.$ZodIssue>): number {
  const misfit = issues.some((i) => i.code === "unrecognized_keys" && i.path.length === 0) ? 1000 : 0;
  const depth = Math.max(0, ...issues.map((i) => i.path.length));
  return misfit + issues.length * 10 - depth;
}

function describe(issue: z.core.$ZodIssue, path: ReadonlyArray<PathSegment>): string {
  const last = path[path.length - 1];
  const name = typeof last === "string" ? `"${last}"` : "this value";
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return `${name} is required (${issue.expected})`;
      return `${name} must be ${article(issue.expected)}, not ${kindOf(issue.input)}`;
    case "unrecognized_keys":
      return `unknown ${issue.keys.length > 1 ? "properties" : "property"} ${issue.keys
        .map((k) => `"${k}"`)
        .join(", ")}; check the spelling`;
    case "invalid_key":
      // A record key failed its own schema (e.g. a field name that is not an API name).
      return issue.issues.map((inner) => inner.message).join("; ") || issue.message;
    case "invalid_union": {
      // A discriminator (a trigger's "type") that names no option: zod lists the options, untyped.
      const options = (issue as { options?: unknown }).options;
      if (Array.isArray(options) && options.length > 0)
        return `${name} must be one of: ${options.map((v) => JSON.stringify(v)).join(", ")}`;
      return issue.message;
    }
    case "invalid_value":
      if (isCustom(issue)) return issue.message;
      return `${name} must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return issue.message;
  }
}

/** A schema's own message, not the plain default every issue of its kind gets. */
function isCustom(issue: z.core.$ZodIssue): boolean {
  return issue.message !== plainMessage(issue as z.core.$ZodRawIssue);
}
