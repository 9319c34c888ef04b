import { z } from "zod";
import { StepId, stepBase } from "../fields.js";
import { defineStep } from "../step.js";

/**
 * Jumps to another step, e.g. back to a menu. A loop that never waits for the contact is stopped
 * by the engine's loop guard (100 steps in one go), so a goto cannot spin forever.
 */
export const GotoStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("goto"),
    target: StepId.describe("The step to continue at"),
  })
  .check((ctx) => {
    if (ctx.value.target === ctx.value.id) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value.target,
        path: ["target"],
        message: "a goto to itself loops forever; point it at another step",
      });
    }
  })
  .describe("Continues at another step");
export type GotoStep = z.infer<typeof GotoStep>;

export const gotoStep = defineStep({
  type: "goto",
  title: "Go to step",
  version: 1,
  config: GotoStep,
  // An exit like any other: validation reports a target that does not exist.
  exits: (config) => [{ path: ["target"], target: config.target }],
  start: (ctx) => ({ kind: "next", next: ctx.config.target, output: { target: ctx.config.target } }),
});
