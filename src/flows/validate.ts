import { findTooDeep, MAX_JSON_DEPTH } from "../core/json-depth.js";
import { channelFitWarnings } from "./channel-fit.js";
import { StepId, TRANSITION_FIELDS } from "./fields.js";
import { fromZodIssues, jsonPath, type PathSegment, type ValidationIssue, withStepIds } from "./issues.js";
import { PROTO_KEY_MESSAGE, protoKeyPaths } from "./proto-keys.js";
import { patternProblem } from "./safe-regex.js";
import { type Flow, FlowEnvelope, MAX_STEPS } from "./schema.js";
import type { StepDefinition, StepExit } from "./step.js";
import { coreStepRegistry, type StepRegistry } from "./step-registry.js";
import { forEachStepString } from "./step-strings.js";
import { checkTemplate } from "./template.js";
import { templateReferenceWarnings } from "./template-references.js";

export type { ValidationIssue } from "./issues.js";

export interface FlowValidationResult {
  valid: boolean;
  /** Problems that make the flow unusable; `valid` is false when there is any. */
  errors: ValidationIssue[];
  /** Likely mistakes that do not block publishing (unreachable steps). */
  warnings: ValidationIssue[];
  /** The parsed flow (defaults applied) when valid. */
  flow?: Flow;
}

interface ParsedStep {
  index: number;
  def: StepDefinition;
  config: Record<string, unknown> & { id: string; type: string };
}

/**
 * Checks a flow file: the schema (per step type from the registry), then the graph (unique ids,
 * every transition target exists, `start` exists), template syntax, and reachability
 * (unreachable steps are warnings). Never throws, whatever the input.
 */
export function validateFlow(input: unknown, options: { steps?: StepRegistry } = {}): FlowValidationResult {
  try {
    const result = check(input, options.steps ?? coreStepRegistry);
    const stepIdAt = rawStepIds(input);
    return {
      ...result,
      errors: withStepIds(result.errors, stepIdAt),
      warnings: withStepIds(result.warnings, stepIdAt),
    };
  } catch (error) {
    // Pathological input (e.g. nesting deep enough to exhaust the stack) must not crash a request.
    const reason = error instanceof Error ? error.message : String(error);
    return {
      valid: false,
      errors: [{ path: "$", message: `the flow could not be checked: ${reason}` }],
      warnings: [],
    };
  }
}

/** The id written at `steps[i]`, when it is one (a problem may be that it is not). */
function rawStepIds(input: unknown): (index: number) => string | undefined {
  const steps = isObject(input) && Array.isArray(input.steps) ? input.steps : [];
  return (index) => {
    const step: unknown = steps[index];
    return isObject(step) && StepId.safeParse(step.id).success ? (step.id as string) : undefined;
  };
}

function check(input: unknown, registry: StepRegistry): FlowValidationResult {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    const message = 'a flow is a JSON object with "schema", "name", "trigger" and "steps"';
    return { valid: false, errors: [{ path: "$", message }], warnings: [] };
  }
  const deepAt = findTooDeep(input, MAX_DEPTH);
  if (deepAt) {
    const message = `nested more than ${MAX_DEPTH} levels deep here; simplify the conditions`;
    return { valid: false, errors: [{ path: jsonPath(deepAt), message }], warnings: [] };
  }
  const errors: ValidationIssue[] = [];
  for (const path of protoKeyPaths(input)) errors.push({ path: jsonPath(path), message: PROTO_KEY_MESSAGE });
  // reportInput: a value of the wrong type ("timeout": 600) is named as such, not as missing.
  const envelope = FlowEnvelope.safeParse(input, { reportInput: true });
  if (!envelope.success)
    errors.push(...fromZodIssues(envelope.error.issues).filter((e) => !isStepItemIssue(e)));

  const raw = input as Record<string, unknown>;
  const allSteps: unknown[] = Array.isArray(raw.steps) ? raw.steps : [];
  // Past the limit (the envelope's error) steps are not checked, but they are in the file: a
  // transition to one must not also be reported as a step that does not exist.
  const rawSteps = allSteps.slice(0, MAX_STEPS);
  const ids = collectIds(rawSteps, errors);
  const pastLimit = collectIds(allSteps.slice(MAX_STEPS), []);
  const exists = (id: string) => ids.has(id) || pastLimit.has(id);
  const parsed = parseSteps(rawSteps, registry, errors);

  const known = describeIds([...ids.keys()]);
  if (typeof raw.start === "string" && ids.size > 0 && !exists(raw.start)) {
    errors.push({ path: "$.start", message: `step "${raw.start}" does not exist; known steps: ${known}` });
  }
  for (const step of parsed) {
    for (const exit of exitsOf(step)) {
      if (!exists(exit.target)) {
        errors.push({
          path: jsonPath(["steps", step.index, ...exit.path]),
          message: `step "${exit.target}" does not exist; known steps: ${known}`,
        });
      }
    }
  }
  // Raw steps, so template errors show up together with schema errors of the same step.
  forEachStepString(rawSteps, NOT_TEMPLATES, (value, path) => {
    const problem = checkTemplate(value);
    if (problem) errors.push({ path: jsonPath(path), message: `template error: ${problem}` });
  });

  if (errors.length > 0 || !envelope.success) return { valid: false, errors, warnings: [] };
  const flow = { ...envelope.data, steps: parsed.map((s) => s.config) } as Flow;
  const warnings = [
    ...unreachable(flow, parsed),
    ...channelFitWarnings(flow),
    ...patternWarnings(flow),
    ...templateReferenceWarnings(rawSteps, ids, NOT_TEMPLATES),
  ];
  return { valid: true, errors, warnings, flow };
}

/** Step items are checked against their own type below, with better messages. */
function isStepItemIssue(issue: ValidationIssue): boolean {
  return /^\$\.steps\[\d+\]/.test(issue.path);
}

function collectIds(rawSteps: unknown[], errors: ValidationIssue[]): Map<string, number> {
  const ids = new Map<string, number>();
  rawSteps.forEach((step, index) => {
    const id = isObject(step) ? step.id : undefined;
    if (typeof id !== "string") return;
    const first = ids.get(id);
    if (first === undefined) ids.set(id, index);
    else {
      const message = `duplicate step id "${id}" (also used by $.steps[${first}]); step ids must be unique`;
      errors.push({ path: `$.steps[${index}].id`, message });
    }
  });
  return ids;
}

function parseSteps(rawSteps: unknown[], registry: StepRegistry, errors: ValidationIssue[]): ParsedStep[] {
  const types = [...registry.keys()].sort().join(", ");
  const parsed: ParsedStep[] = [];
  rawSteps.forEach((step, index) => {
    const at = (...rest: PathSegment[]) => jsonPath(["steps", index, ...rest]);
    if (!isObject(step)) {
      errors.push({ path: at(), message: 'a step is an object with "id" and "type"' });
      return;
    }
    const def = typeof step.type === "string" ? registry.get(step.type) : undefined;
    if (!def) {
      const message =
        step.type === undefined
          ? `"type" is required; known types: ${types}`
          : `unknown step type ${JSON.stringify(step.type)}; known types: ${types}`;
      errors.push({ path: at("type"), message });
      return;
    }
    const result = def.config.safeParse(step, { reportInput: true });
    if (!result.success) {
      const allowed = Object.keys(def.config.shape).join(", ");
      for (const issue of fromZodIssues(result.error.issues, ["steps", index])) {
        const isTopLevelKey = issue.path === at() && issue.message.startsWith("unknown propert");
        errors.push(
          isTopLevelKey
            ? {
                ...issue,
                message: `${issue.message}; ${/^[aeiou]/i.test(def.type) ? "an" : "a"} ${def.type} step has: ${allowed}`,
              }
            : issue,
        );
      }
      return;
    }
    parsed.push({ index, def, config: result.data as ParsedStep["config"] });
  });
  return parsed;
}

/** Common transition fields plus the step type's own exits (branch targets). */
export function exitsOf(step: { def: StepDefinition; config: Record<string, unknown> }): StepExit[] {
  const exits: StepExit[] = [];
  for (const field of TRANSITION_FIELDS) {
    const target = step.config[field];
    if (typeof target === "string") exits.push({ path: [field], target });
  }
  return [...exits, ...(step.def.exits?.(step.config as never) ?? [])];
}

/** Every string in a step except ids and transitions is a potential template. */
const NOT_TEMPLATES = new Set<string>(["id", "type", ...TRANSITION_FIELDS]);

function unreachable(flow: Flow, parsed: ParsedStep[]): ValidationIssue[] {
  const byId = new Map(parsed.map((s) => [s.config.id, s]));
  const startId = flow.start ?? parsed[0]?.config.id;
  const seen = new Set<string>();
  const queue = startId ? [startId] : [];
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    const step = byId.get(id);
    if (step) queue.push(...exitsOf(step).map((e) => e.target));
  }
  return parsed
    .filter((s) => !seen.has(s.config.id))
    .map((s) => ({
      path: jsonPath(["steps", s.index]),
      message: `step "${s.config.id}" is never reached from the start step "${startId}"; point a next/onError at it or remove it`,
    }));
}

const MAX_DEPTH = MAX_JSON_DEPTH;

/** Iterative, so any nesting is measured without exhausting the stack. */

function describeIds(ids: string[]): string {
  if (ids.length === 0) return "(none)";
  return ids.length > 25 ? `${ids.slice(0, 25).join(", ")}, ... (${ids.length} in all)` : ids.join(", ");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * A trigger pattern RE2 cannot compile (look-around) runs on JavaScript's backtracking engine
 * (trigger.ts): still valid, since stored flows may have one, but said at every save.
 */
function patternWarnings(flow: Flow): ValidationIssue[] {
  const pattern = flow.trigger.type === "message" ? flow.trigger.pattern : undefined;
  if (pattern === undefined || patternProblem(pattern) === null) return [];
  return [
    {
      path: "$.trigger.pattern",
      message:
        "this pattern uses syntax RE2 lacks (look-around such as (?=…) or (?!…)), so it runs on JavaScript's backtracking engine, where a long customer message can be slow: write it without",
    },
  ];
}
