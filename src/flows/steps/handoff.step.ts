import { z } from "zod";
import { StepId, stepBase, Template } from "../fields.js";
import { type DesignEnv, type DesignIssue, defineStep } from "../step.js";

/** The built-in connection a notify goes through (queue/handoff-notify.ts). */
export const HANDOFF_WEBHOOK = "@handoff-webhook";

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
    notify: z
      .strictObject({
        url: Template.describe("https URL (http only on loopback) that gets a JSON POST"),
        payload: z
          .unknown()
          .optional()
          .describe("JSON to post; strings are Liquid templates. Default: run, contact, caseId, text"),
      })
      .optional()
      .describe("Notifies a webhook (an agents' inbox, a chat channel) that a person is needed"),
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
  check: (config, env) => (config.case ? checkCase(config.case, env) : Promise.resolve([])),
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
    const since = new Date(ctx.now()).toISOString();
    if (config.notify) {
      const { id, channel, address, name, phone } = ctx.contact;
      const payload =
        config.notify.payload === undefined
          ? {
              event: "handoff",
              runId: ctx.runId,
              since,
              contact: { id, channel, address, name, phone },
              caseId,
              text,
            }
          : ctx.renderValue(config.notify.payload);
      // The built-in webhook connection (queue/handoff-notify.ts): an outbox effect like any call.
      await ctx.effects.call(HANDOFF_WEBHOOK, "post", { url: ctx.render(config.notify.url), payload });
    }
    const output = { since, ...(caseId ? { caseId } : {}), ...(config.notify ? { notified: true } : {}) };
    return {
      kind: "wait",
      for: "handoff",
      timeoutAt: null,
      state: output,
      input: {
        ...(text ? { text } : {}),
        ...(config.case ? { case: config.case } : {}),
        ...(config.notify ? { notify: config.notify } : {}),
      },
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

/**
 * The Case the handoff creates is a Salesforce create like `salesforce.create`'s: its connection
 * checks it (the `salesforce.mapping` fact) against the org's describe, with the same messages.
 */
async function checkCase(spec: NonNullable<HandoffStep["case"]>, env: DesignEnv): Promise<DesignIssue[]> {
  const question = { object: "Case", operation: "create", fields: spec.fields };
  const issues = (await env.fact(spec.connection, "salesforce.mapping", question)) as DesignIssue[];
  // Paths come relative to the mapping (`fields.Subject`, `object`): put them under `case`.
  return issues.map((issue) => ({
    ...issue,
    path: issue.path[0] === "object" ? ["case"] : ["case", ...issue.path],
  }));
}
