import { z } from "zod";
import { flowSchema } from "./schema.js";
import type { StepRegistry } from "./step-registry.js";

/**
 * JSON Schema (draft 2020-12) of the flow file, for docs and editor forms. Describes what an
 * author may write (`io: "input"`: fields with defaults are optional). Graph rules (targets
 * exist, ids unique) and template syntax are checked by validateFlow, not by the schema.
 */
export function flowJsonSchema(steps: StepRegistry): Record<string, unknown> {
  return z.toJSONSchema(flowSchema([...steps.values()]), { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
}
