import { z } from "zod";
import { AttributeName, StepId, stepBase } from "../fields.js";
import { defineStep } from "../step.js";

export const ContactSetStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("contact.set"),
    attributes: z
      .record(AttributeName, z.unknown())
      .refine((attributes) => Object.keys(attributes).length > 0, { error: "set at least one attribute" })
      .refine((attributes) => Object.keys(attributes).length <= 50, { error: "set at most 50 attributes" })
      .describe(
        "Attributes to set on the contact: strings are Liquid templates (rendered to text), other JSON is kept, null deletes",
      ),
    next: StepId.optional(),
  })
  .describe("Sets attributes of the contact (the person, on every channel)");
export type ContactSetStep = z.infer<typeof ContactSetStep>;

/**
 * Attributes belong to the person (`contact.attributes.<name>` in every conversation). Setting
 * is idempotent: a step replayed after a crash renders and sets the same values again.
 */
export const contactSetStep = defineStep({
  type: "contact.set",
  title: "Set contact attributes",
  version: 1,
  config: ContactSetStep,
  async start(ctx) {
    const attributes = ctx.renderValue(ctx.config.attributes) as Record<string, unknown>;
    await ctx.updateContact({ attributes });
    return { kind: "next", next: ctx.config.next ?? null, input: { attributes }, output: { attributes } };
  },
});
