import { z } from "zod";
import { StepId, stepBase, VarName } from "../fields.js";
import { defineStep } from "../step.js";

export const SetStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("set"),
    vars: z
      .record(VarName, z.unknown())
      .refine((vars) => Object.keys(vars).length > 0, { error: "set at least one variable" })
      .describe("Variables to set: strings are Liquid templates (rendered to text), other JSON is kept"),
    next: StepId.optional(),
  })
  .describe("Sets variables");
export type SetStep = z.infer<typeof SetStep>;

export const setStep = defineStep({
  type: "set",
  title: "Set variables",
  version: 1,
  config: SetStep,
  start(ctx) {
    const vars = ctx.renderValue(ctx.config.vars) as Record<string, unknown>;
    return { kind: "next", next: ctx.config.next ?? null, vars, input: { vars }, output: vars };
  },
});
