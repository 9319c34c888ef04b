import { z } from "zod";
import { Choices, StepId, stepBase, Template } from "../fields.js";
import { defineStep } from "../step.js";

export const SendStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("send"),
    text: Template.min(1, { error: "text must not be empty" }),
    choices: Choices.optional().describe("Reply buttons shown with the message"),
    next: StepId.optional().describe("Next step; without it the run completes"),
  })
  .describe("Sends a message to the contact and continues without waiting");
export type SendStep = z.infer<typeof SendStep>;

export const sendStep = defineStep({
  type: "send",
  title: "Send message",
  version: 1,
  config: SendStep,
  async start(ctx) {
    const text = ctx.render(ctx.config.text);
    const choices = ctx.config.choices?.map((c) => ({ id: c.id, title: ctx.render(c.title) }));
    const message = choices ? { text, choices } : { text };
    const sent = await ctx.effects.send(message);
    return {
      kind: "next",
      next: ctx.config.next ?? null,
      input: message,
      output: { text, providerMessageId: sent.providerMessageId },
    };
  },
});
