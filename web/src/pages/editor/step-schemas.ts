import type { FlowStep, JsonSchema } from "../../api/types";
import { TRANSITION_FIELDS } from "./flow-graph";

/**
 * Reads GET /flows/schema (the flow file's JSON Schema): one schema per step type under
 * `properties.steps.items.oneOf`, each with `properties.type.const`, a `title` and a
 * `description`. Nothing here knows a step type by name.
 */
export interface StepType {
  type: string;
  title: string;
  description: string;
  schema: JsonSchema;
}

export interface FlowSchema {
  root: JsonSchema;
  stepTypes: StepType[];
  byType: Map<string, StepType>;
}

export function readFlowSchema(root: JsonSchema): FlowSchema {
  const variants = root.properties?.steps?.items?.oneOf ?? root.properties?.steps?.items?.anyOf ?? [];
  const stepTypes = variants.flatMap((schema): StepType[] => {
    const type = schema.properties?.type?.const;
    if (typeof type !== "string") return [];
    return [{ type, title: schema.title ?? type, description: schema.description ?? "", schema }];
  });
  return { root, stepTypes, byType: new Map(stepTypes.map((t) => [t.type, t])) };
}

/** Follows a local `$ref` (`#/$defs/...`); other schemas come back as they are. */
export function resolve(root: JsonSchema, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (!ref?.startsWith("#/$defs/")) return schema;
  return root.$defs?.[ref.slice("#/$defs/".length)] ?? schema;
}

/** The transition fields this step type has, in its schema's order (`next` first when present). */
export function transitionFields(stepType: StepType | undefined): string[] {
  const names = Object.keys(stepType?.schema.properties ?? {});
  const fields = names.filter((n) => (TRANSITION_FIELDS as readonly string[]).includes(n));
  return fields.includes("next") ? ["next", ...fields.filter((f) => f !== "next")] : fields;
}

/** A new step of a type: its id, its type, and an empty value for each other required field. */
export function newStep(stepType: StepType, id: string): FlowStep {
  const step: FlowStep = { id, type: stepType.type };
  const props = stepType.schema.properties ?? {};
  for (const name of stepType.schema.required ?? []) {
    if (name === "id" || name === "type") continue;
    const prop = props[name];
    if (!prop) continue;
    step[name] = prop.default ?? emptyValue(prop);
  }
  return step;
}

function emptyValue(schema: JsonSchema): unknown {
  if (schema.enum?.[0] !== undefined) return schema.enum[0];
  switch (schema.type) {
    case "array":
      return [];
    case "object":
      return {};
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    default:
      return "";
  }
}

/** A text field that takes Liquid (the schema's Template describes itself so). */
export function isTemplate(schema: JsonSchema): boolean {
  return /Liquid template/i.test(schema.description ?? "");
}
