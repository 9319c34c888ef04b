import { z } from "zod";
import { StepId, stepBase, VarName } from "../fields.js";
import { defineStep } from "../step.js";

/**
 * Runs another flow's published version inside this run, in the same conversation, then continues
 * at `next`. The child's version is pinned when the subflow starts; its asks receive the customer's
 * replies; it sees only its `input` as `vars`, and only the vars named in `output` come back.
 * The engine does the rest (subflow-frames.ts, README.md "Subflows").
 */
export const SubflowStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("subflow"),
    flow: z
      .string()
      .min(1)
      .max(100)
      .describe("Id of the flow to run (its published version, pinned when the subflow starts)"),
    input: z
      .record(VarName, z.unknown())
      .optional()
      .describe("The child's starting vars: strings are Liquid templates rendered here, other JSON is kept"),
    output: z
      .union([z.array(VarName), z.record(VarName, VarName)])
      .optional()
      .describe(
        'Child vars that come back into this flow\'s vars: ["name"] keeps the name, { "parentName": "childName" } renames',
      ),
    next: StepId.optional(),
  })
  .describe("Runs another flow in this conversation, then continues");
export type SubflowStep = z.infer<typeof SubflowStep>;

export const subflowStep = defineStep({
  type: "subflow",
  title: "Run another flow",
  version: 1,
  config: SubflowStep,
  start(ctx) {
    const vars = (ctx.renderValue(ctx.config.input ?? {}) ?? {}) as Record<string, unknown>;
    return { kind: "subflow", flowId: ctx.config.flow, vars, input: { flow: ctx.config.flow, vars } };
  },
});

/** The parent's vars from the child's, as `output` names them. */
export function subflowOutput(
  output: SubflowStep["output"],
  childVars: Record<string, unknown>,
): Record<string, unknown> {
  const pairs: Array<[string, string]> = Array.isArray(output)
    ? output.map((name) => [name, name])
    : Object.entries(output ?? {});
  const out: Record<string, unknown> = {};
  for (const [parentName, childName] of pairs) {
    if (Object.hasOwn(childVars, childName)) out[parentName] = childVars[childName];
  }
  return out;
}
