import type { StepRegistry } from "../step-registry.js";

/**
 * The exported flow file, byte for byte the same for the same flow (it diffs well in git):
 * 2-space JSON with a trailing newline, keys in a fixed order. The envelope follows the format's
 * order; a step puts `id` and `type` first, then its fields in its schema's order; anything deeper
 * (field mappings, variables, conditions) puts `type` and `id` first, then the rest alphabetically.
 * Arrays keep their order: it means something. Nothing is renamed: ids stay as written.
 */
const ENVELOPE_ORDER = ["$schema", "schema", "name", "description", "trigger", "start", "steps"];
const NESTED_FIRST = ["type", "id"];

export function canonicalFlowText(definition: unknown, steps?: StepRegistry): string {
  return `${JSON.stringify(canonicalFlow(definition, steps), null, 2)}\n`;
}

/** The flow with its keys in canonical order (same content). */
export function canonicalFlow(definition: unknown, steps?: StepRegistry): unknown {
  if (!isRecord(definition)) return definition;
  const out = ordered(definition, ENVELOPE_ORDER, (key, value) => {
    if (key === "steps" && Array.isArray(value)) return value.map((step) => canonicalStep(step, steps));
    return canonicalValue(value);
  });
  return out;
}

function canonicalStep(step: unknown, registry: StepRegistry | undefined): unknown {
  if (!isRecord(step)) return canonicalValue(step);
  const def = typeof step.type === "string" ? registry?.get(step.type) : undefined;
  const shape = (def?.config as { shape?: Record<string, unknown> } | undefined)?.shape;
  const schemaOrder = shape ? Object.keys(shape) : [];
  return ordered(step, ["id", "type", ...schemaOrder], (_key, value) => canonicalValue(value));
}

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (!isRecord(value)) return value;
  return ordered(value, NESTED_FIRST, (_key, inner) => canonicalValue(inner));
}

/** `first` keys in that order (when present), then the others alphabetically. */
function ordered(
  value: Record<string, unknown>,
  first: string[],
  map: (key: string, value: unknown) => unknown,
): Record<string, unknown> {
  const keys = Object.keys(value);
  const head = [...new Set(first)].filter((k) => Object.hasOwn(value, k));
  const tail = keys.filter((k) => !head.includes(k)).sort();
  const out: Record<string, unknown> = {};
  for (const key of [...head, ...tail]) out[key] = map(key, value[key]);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
