import { z } from "zod";
import { flowSchema } from "./schema.js";
import type { StepRegistry } from "./step-registry.js";

/**
 * JSON Schema (draft 2020-12) of the flow file, for docs and editor forms. Describes what an
 * author may write (`io: "input"`: fields with defaults are optional). Graph rules (targets
 * exist, ids unique) and template syntax are checked by validateFlow, not by the schema.
 */
export function flowJsonSchema(steps: StepRegistry): Record<string, unknown> {
  const schema = z.toJSONSchema(flowSchema([...steps.values()]), {
    io: "input",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  titleStepTypes(schema, steps);
  return schema;
}

/** Each step type's schema gets its display title (e.g. "Ask a question"), for editor palettes. */
function titleStepTypes(schema: Record<string, unknown>, steps: StepRegistry): void {
  const props = schema.properties as { steps?: { items?: { oneOf?: unknown[] } } } | undefined;
  for (const variant of props?.steps?.items?.oneOf ?? []) {
    const v = variant as { title?: string; properties?: { type?: { const?: unknown } } };
    const type = v.properties?.type?.const;
    const title = typeof type === "string" ? steps.get(type)?.title : undefined;
    if (title && v.title === undefined) v.title = title;
  }
}
