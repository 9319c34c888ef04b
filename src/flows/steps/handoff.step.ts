import { z } from "zod";
import { StepId, stepBase, Template } from "../fields.js";
import { defineStep } from "../step.js";

export const HandoffStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("handoff"),
    text: Template.optional().describe(
      "Sent to the customer before the bot pauses, e.g. 'A colleague will reply here'",
    ),
    case: z
      .strictObject({
        connection: z.string().min(1).max(200).describe("Name of the Salesforce connection"),
        fields: z
          .record(z.string().min(1).max(80), z.union([Template, z.number(), z.boolean(), z.null()]))
          .describe("Case field API name → Liquid template or literal, e.g. Subject, Description"),
      })
      .optional()
      .describe("Creates a Salesforce Case for an agent (its id is steps.<id>.caseId)"),
    next: StepId.optional().describe("Where the run continues once a person releases it"),
  })
  .describe("Hands the conversation to a person: the bot pauses until released through the API");
export type HandoffStep = z.infer<typeof HandoffStep>;

/**
 * Pauses the bot for this conversation (a wait `for: "handoff"`, no deadline): the customer's
 * messages are recorded but no flow acts on them, until `POST /api/v1/runs/:id/release`
 * continues the run at `next`. The AGENT keyword pauses a run the same way.
 */
export const handoffStep = defineStep({
  type: "handoff",
  title: "Hand off to a person",
  version: 1,
  config: HandoffStep,
  async start(ctx) {
    const { config } = ctx;
    const text = config.text === undefined ? undefined : ctx.render(config.text);
    if (text) await ctx.effects.send({ text });
    let caseId: string | undefined;
    if (config.case) {
      const fields = ctx.renderValue(config.case.fields) as Record<string, unknown>;
      const created = (await ctx.effects.call(config.case.connection, "create", {
        object: "Case",
        fields,
      })) as {
        id?: string;
      };
      caseId = created?.id;
    }
    const output = { since: new Date(ctx.now()).toISOString(), ...(caseId ? { caseId } : {}) };
    return {
      kind: "wait",
      for: "handoff",
      timeoutAt: null,
      state: output,
      input: { ...(text ? { text } : {}), ...(config.case ? { case: config.case } : {}) },
      output,
    };
  },
  release(ctx, event) {
    const before = (ctx.waitState ?? {}) as Record<string, unknown>;
    return {
      kind: "next",
      next: ctx.config.next ?? null,
      output: {
        ...before,
        released: true,
        releasedAt: new Date(ctx.now()).toISOString(),
        ...(event.note ? { note: event.note } : {}),
      },
    };
  },
});
