import { z } from "zod";
import { parseDurationMs } from "../duration.js";
import { Choices, Fallback, StepId, stepBase, Template } from "../fields.js";
import type { OutboundMessageSpec } from "../runtime.js";
import { defineStep } from "../step.js";
import { shownChoices } from "./shown-choices.js";

/** A failed status later than this after the send no longer falls back (the customer moved on). */
const DEFAULT_FAILED_STATUS_WINDOW_MS = 10 * 60_000;

export const SendStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("send"),
    text: Template.min(1, { error: "text must not be empty" }),
    choices: Choices.optional().describe("Reply buttons shown with the message"),
    fallback: Fallback.optional(),
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
    const choices = ctx.config.choices && shownChoices(ctx.config.choices, (t) => ctx.render(t));
    const message = choices ? { text, choices } : { text };
    const { fallback } = ctx.config;
    const spec: OutboundMessageSpec = fallback
      ? {
          ...message,
          fallback: {
            channel: fallback.channel,
            onFailedStatusWithinMs:
              (fallback.onFailedStatusWithin && parseDurationMs(fallback.onFailedStatusWithin)) ||
              DEFAULT_FAILED_STATUS_WINDOW_MS,
          },
        }
      : message;
    const sent = await ctx.effects.send(spec);
    return {
      kind: "next",
      next: ctx.config.next ?? null,
      input: message,
      output: {
        text,
        providerMessageId: sent.providerMessageId,
        ...(sent.fallback ? { fallback: sent.fallback } : {}),
      },
    };
  },
});
