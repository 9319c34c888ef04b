import { z } from "zod";
import { stepBase } from "../fields.js";
import { defineStep } from "../step.js";

export const EndStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("end"),
    status: z
      .enum(["completed", "ended"])
      .default("completed")
      .describe("completed: the conversation reached its goal; ended: stopped early"),
  })
  .describe("Ends the run");
export type EndStep = z.infer<typeof EndStep>;

export const endStep = defineStep({
  type: "end",
  title: "End",
  version: 1,
  config: EndStep,
  start(ctx) {
    return { kind: "end", status: ctx.config.status, output: { status: ctx.config.status } };
  },
});
