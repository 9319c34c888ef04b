import type { FlowFile, FlowStep, StepPosition } from "../../api/types";

/**
 * The flow file as a graph, without knowing any step type: a transition is a top-level field
 * named like one (next, onError, onTimeout, onInvalid, else, target) or `next` inside an item of
 * a top-level array (branch conditions, menu choices, split paths). Every change returns a new
 * flow file; nothing here mutates its input, so history.ts can keep the old ones.
 */
export const TRANSITION_FIELDS = ["next", "onError", "onTimeout", "onInvalid", "else", "target"] as const;
const isTransitionField = (name: string) => (TRANSITION_FIELDS as readonly string[]).includes(name);

export interface Exit {
  /** Where the target is written, e.g. ["next"] or ["choices", 1, "next"]. */
  path: [string] | [string, number, "next"];
  /** What the edge says: "next", "onTimeout", "choices: Yes". */
  label: string;
  target: string;
}

type Item = Record<string, unknown>;
const isItem = (value: unknown): value is Item =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Every transition a step has, in field order. */
export function exitsOf(step: FlowStep): Exit[] {
  const exits: Exit[] = [];
  for (const [key, value] of Object.entries(step)) {
    if (isTransitionField(key) && typeof value === "string" && value !== "") {
      exits.push({ path: [key], label: key, target: value });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (isItem(item) && typeof item.next === "string" && item.next !== "") {
          exits.push({ path: [key, i, "next"], label: `${key}: ${itemName(item, i)}`, target: item.next });
        }
      });
    }
  }
  return exits;
}

function itemName(item: Item, index: number): string {
  for (const key of ["title", "name", "id"]) {
    if (typeof item[key] === "string" && item[key] !== "") return item[key] as string;
  }
  return String(index + 1);
}

/** The step the run starts at: `start`, or the first step. */
export function startStepId(flow: FlowFile): string | undefined {
  return flow.start ?? flow.steps[0]?.id;
}

export function stepIndex(flow: FlowFile, id: string): number {
  return flow.steps.findIndex((s) => s.id === id);
}

/** Steps from which `id` can be reached: their outputs exist when it runs (for the variable picker). */
export function stepsBefore(flow: FlowFile, id: string): FlowStep[] {
  const parents = new Map<string, string[]>();
  for (const step of flow.steps) {
    for (const exit of exitsOf(step))
      parents.set(exit.target, [...(parents.get(exit.target) ?? []), step.id]);
  }
  const seen = new Set<string>();
  const queue = [...(parents.get(id) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as string;
    if (seen.has(next) || next === id) continue;
    seen.add(next);
    queue.push(...(parents.get(next) ?? []));
  }
  return flow.steps.filter((s) => seen.has(s.id));
}

/** A new id from the type ("salesforce.create" → "salesforce_create_2") that no step has. */
export function newStepId(flow: FlowFile, type: string): string {
  const base = type.replace(/[^A-Za-z0-9_]/g, "_").replace(/^([^A-Za-z_])/, "_$1");
  const taken = new Set(flow.steps.map((s) => s.id));
  for (let n = 1; ; n++) {
    const id = `${base}_${n}`;
    if (!taken.has(id)) return id;
  }
}

export function addStep(flow: FlowFile, step: FlowStep, position: StepPosition): FlowFile {
  return withPosition({ ...flow, steps: [...flow.steps, step] }, step.id, position);
}

export function replaceStep(flow: FlowFile, id: string, step: FlowStep): FlowFile {
  let next: FlowFile = { ...flow, steps: flow.steps.map((s) => (s.id === id ? step : s)) };
  if (step.id !== id) next = renameReferences(next, id, step.id);
  return next;
}

/** Removes a step, the transitions that pointed at it, its position, and `start` if it was the start. */
export function removeStep(flow: FlowFile, id: string): FlowFile {
  const steps = flow.steps.filter((s) => s.id !== id).map((s) => clearTargets(s, id));
  const { [id]: _gone, ...positions } = flow.layout?.steps ?? {};
  const next: FlowFile = { ...flow, steps, layout: { steps: positions } };
  if (next.start === id) delete next.start;
  return next;
}

function clearTargets(step: FlowStep, target: string): FlowStep {
  let out = step;
  for (const exit of exitsOf(step)) if (exit.target === target) out = setAt(out, exit.path, undefined);
  return out;
}

/** Removes one transition (an edge deleted on the canvas). */
export function removeExit(flow: FlowFile, stepId: string, path: Exit["path"]): FlowFile {
  return { ...flow, steps: flow.steps.map((s) => (s.id === stepId ? setAt(s, path, undefined) : s)) };
}

/**
 * Connects `source` to `target` through the first transition field the step type has (per its
 * schema, `fields` in order) that is still empty; null when every one is taken (then the person
 * picks the exit in the side panel).
 */
/** The transition field a new link from `step` takes: its first free one, never onError. */
export function freeExit(step: FlowStep, fields: readonly string[]): string | null {
  return fields.find((f) => isTransitionField(f) && f !== "onError" && !step[f]) ?? null;
}

export function connect(
  flow: FlowFile,
  source: string,
  target: string,
  fields: readonly string[],
): FlowFile | null {
  const step = flow.steps.find((s) => s.id === source);
  if (!step || source === target) return null;
  const field = freeExit(step, fields);
  if (!field) return null;
  return replaceStep(flow, source, { ...step, [field]: target });
}

/** How far apart two drawn steps must be not to cover each other (a node is about 220 × 90). */
const CLEAR_X = 240;
const CLEAR_Y = 110;

/**
 * Where a new step goes: `wanted`, or the first place to its right that no step covers, so that a
 * step added below another never hides the one already drawn there.
 */
export function freeSpot(flow: FlowFile, wanted: StepPosition): StepPosition {
  const taken = flow.steps.map((s) => positionOf(flow, s.id));
  for (let k = 0; k < 20; k++) {
    const spot = { x: wanted.x + k * (CLEAR_X + 20), y: wanted.y };
    if (!taken.some((p) => Math.abs(p.x - spot.x) < CLEAR_X && Math.abs(p.y - spot.y) < CLEAR_Y)) return spot;
  }
  return wanted;
}

export function withPosition(flow: FlowFile, id: string, position: StepPosition): FlowFile {
  const rounded = { x: Math.round(position.x), y: Math.round(position.y) };
  return { ...flow, layout: { steps: { ...flow.layout?.steps, [id]: rounded } } };
}

/** Where a step is drawn: its saved position, else a column in list order. */
export function positionOf(flow: FlowFile, id: string): StepPosition {
  const saved = flow.layout?.steps[id];
  if (saved) return saved;
  const index = Math.max(0, stepIndex(flow, id));
  return { x: 80 + (index % 3) * 20, y: 40 + index * 140 };
}

/** A renamed step keeps its transitions, its position and `start`. */
function renameReferences(flow: FlowFile, from: string, to: string): FlowFile {
  const steps = flow.steps.map((s) => {
    let out = s;
    for (const exit of exitsOf(s)) if (exit.target === from) out = setAt(out, exit.path, to);
    return out;
  });
  const positions = { ...flow.layout?.steps };
  if (positions[from]) {
    positions[to] = positions[from];
    delete positions[from];
  }
  return { ...flow, steps, start: flow.start === from ? to : flow.start, layout: { steps: positions } };
}

/** Sets (or with undefined removes) a field at a path of one or three segments. */
function setAt(step: FlowStep, path: Exit["path"], value: string | undefined): FlowStep {
  if (path.length === 1) {
    const out: FlowStep = { ...step };
    if (value === undefined) delete out[path[0]];
    else out[path[0]] = value;
    return out;
  }
  const [field, index] = path;
  const list = Array.isArray(step[field]) ? [...(step[field] as unknown[])] : [];
  const item = isItem(list[index]) ? { ...(list[index] as Item) } : {};
  if (value === undefined) delete item.next;
  else item.next = value;
  list[index] = item;
  return { ...step, [field]: list };
}

/** One line that says what a step does (its text, object, target ...). */
export function stepSummary(step: FlowStep): string {
  for (const key of ["text", "object", "url", "flow", "duration", "target"]) {
    const value = step[key];
    if (typeof value === "string" && value !== "")
      return value.length > 60 ? `${value.slice(0, 59)}…` : value;
  }
  return "";
}
