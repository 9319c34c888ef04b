import { z } from "zod";
import { ContactTag, StepId, stepBase } from "../fields.js";
import { defineStep } from "../step.js";

export const ContactTagStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("contact.tag"),
    add: z.array(ContactTag).max(50).optional().describe("Tags to add to the contact"),
    remove: z.array(ContactTag).max(50).optional().describe("Tags to remove from the contact"),
    next: StepId.optional(),
  })
  .refine((step) => (step.add?.length ?? 0) + (step.remove?.length ?? 0) > 0, {
    error: "add or remove at least one tag",
  })
  .describe("Adds and removes tags of the contact (the person, on every channel)");
export type ContactTagStep = z.infer<typeof ContactTagStep>;

/**
 * Tags belong to the person, not the run: a tag set here is seen by their conversations on
 * every channel, and by triggers (`trigger.tags`). Adding and removing are idempotent, so a
 * step replayed after a crash changes nothing more.
 */
export const contactTagStep = defineStep({
  type: "contact.tag",
  title: "Tag contact",
  version: 1,
  config: ContactTagStep,
  async start(ctx) {
    const add = ctx.config.add ?? [];
    const remove = ctx.config.remove ?? [];
    await ctx.updateContact({ addTags: add, removeTags: remove });
    return {
      kind: "next",
      next: ctx.config.next ?? null,
      input: { add, remove },
      output: { tags: ctx.contact.tags ?? [] },
    };
  },
});
