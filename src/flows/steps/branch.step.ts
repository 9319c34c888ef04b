import { z } from "zod";
import { Condition, evaluateCondition } from "../conditions.js";
import { StepId, stepBase } from "../fields.js";
import { defineStep } from "../step.js";

export const BranchStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("branch"),
    conditions: z
      .array(z.strictObject({ when: Condition, next: StepId }))
      .min(1, { error: "give at least one condition" })
      .max(100)
      .describe("Checked in order; the first that holds decides the next step"),
    else: StepId.optional().describe("Next step when no condition holds; without it the run completes"),
  })
  .describe("Chooses the next step from conditions on variables, the contact, the message or step outputs");
export type BranchStep = z.infer<typeof BranchStep>;

export const branchStep = defineStep({
  type: "branch",
  title: "Branch",
  version: 1,
  config: BranchStep,
  exits(config) {
    const exits = config.conditions.map((c, i) => ({ path: ["conditions", i, "next"], target: c.next }));
    return config.else ? [...exits, { path: ["else"], target: config.else }] : exits;
  },
  start(ctx) {
    const env = { scope: ctx.scope, render: ctx.render, now: ctx.now };
    const matched = ctx.config.conditions.findIndex((c) => evaluateCondition(c.when, env));
    const next = matched >= 0 ? (ctx.config.conditions[matched]?.next ?? null) : (ctx.config.else ?? null);
    return { kind: "next", next, output: { matched: matched >= 0 ? matched : null, next } };
  },
});
