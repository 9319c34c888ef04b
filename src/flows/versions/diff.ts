import { jsonPath, type PathSegment } from "../issues.js";

/**
 * A readable, structured diff between two versions of a flow file: steps matched by id (added,
 * removed, changed with the JSON paths of what changed and the old and new values), then the
 * trigger and the other top-level fields. Paths point into the `to` file (into `from` for what
 * was removed). Pure: works on the stored definitions as written.
 */
export interface ValueChange {
  /** JSONPath, e.g. `$.steps[2].text` or `$.trigger.channels[1]`. */
  path: string;
  change: "added" | "removed" | "changed";
  old?: unknown;
  new?: unknown;
}

export interface StepSummary {
  id: string;
  type: string;
  /** Position in its file (`to` for added, `from` for removed). */
  index: number;
}

export interface FlowDiff {
  /** True when nothing differs. */
  identical: boolean;
  steps: {
    added: StepSummary[];
    removed: StepSummary[];
    changed: Array<StepSummary & { changes: ValueChange[] }>;
    /** Steps present in both whose position changed (the start step default depends on it). */
    moved: Array<{ id: string; fromIndex: number; toIndex: number }>;
  };
  trigger: ValueChange[];
  /** name, description, start, schema and anything else outside steps and trigger. */
  topLevel: ValueChange[];
}

type Json = Record<string, unknown>;

export function diffFlows(from: unknown, to: unknown): FlowDiff {
  const a = asRecord(from);
  const b = asRecord(to);
  const stepsA = stepList(a.steps);
  const stepsB = stepList(b.steps);
  const indexA = new Map(stepsA.map((s, i) => [s.id, { step: s, index: i }]));
  const indexB = new Map(stepsB.map((s, i) => [s.id, { step: s, index: i }]));

  const added = stepsB.flatMap((s, index) => (indexA.has(s.id) ? [] : [summary(s, index)]));
  const removed = stepsA.flatMap((s, index) => (indexB.has(s.id) ? [] : [summary(s, index)]));
  const changed: FlowDiff["steps"]["changed"] = [];
  const moved: FlowDiff["steps"]["moved"] = [];
  stepsB.forEach((step, index) => {
    const before = indexA.get(step.id);
    if (!before) return;
    const changes = diffValues(before.step, step, ["steps", index]);
    if (changes.length > 0) changed.push({ ...summary(step, index), changes });
    if (before.index !== index) moved.push({ id: step.id, fromIndex: before.index, toIndex: index });
  });

  const trigger = diffValues(a.trigger, b.trigger, ["trigger"]);
  const topKeys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (k) => k !== "steps" && k !== "trigger",
  );
  const topLevel = topKeys.flatMap((k) => diffValues(a[k], b[k], [k]));
  const identical =
    added.length + removed.length + changed.length + moved.length + trigger.length + topLevel.length === 0;
  return { identical, steps: { added, removed, changed, moved }, trigger, topLevel };
}

/** Every leaf that differs; objects by key, arrays by position. */
export function diffValues(a: unknown, b: unknown, path: PathSegment[]): ValueChange[] {
  if (a === undefined && b === undefined) return [];
  if (a === undefined) return [{ path: jsonPath(path), change: "added", new: b }];
  if (b === undefined) return [{ path: jsonPath(path), change: "removed", old: a }];
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: ValueChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diffValues(a[i], b[i], [...path, i]));
    return out;
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diffValues(a[k], b[k], [...path, k]));
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [{ path: jsonPath(path), change: "changed", old: a, new: b }];
}

function summary(step: Json & { id: string }, index: number): StepSummary {
  return { id: step.id, type: typeof step.type === "string" ? step.type : "unknown", index };
}

function stepList(value: unknown): Array<Json & { id: string }> {
  if (!Array.isArray(value)) return [];
  return value.filter((s): s is Json & { id: string } => isRecord(s) && typeof s.id === "string");
}

function asRecord(value: unknown): Json {
  return isRecord(value) ? value : {};
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
