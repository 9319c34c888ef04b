import { z } from "zod";
import { StepId, stepBase, Template } from "../../../flows/fields.js";
import { defineStep } from "../../../flows/step.js";
import { checkSalesforceRead, listed } from "../design/read-check.js";
import { Connection, FieldList, ObjectName, optionalKeys, renderRecordId } from "./step-fields.js";

/**
 * Reads one record by id (`GET /sobjects/{object}/{id}?fields=…`). Output: its fields plus `id`,
 * `object` and `url`. https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_get_field_values.htm
 */
export const SalesforceGetStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("salesforce.get"),
    connection: Connection,
    object: ObjectName,
    // Not `id`: that is the step's own id.
    recordId: Template.describe("Record id, e.g. {{ steps.create_case.id }}"),
    fields: FieldList.optional().describe("Fields to read (default: all)"),
    next: StepId.optional(),
  })
  .describe("Reads a Salesforce record by id");
export type SalesforceGetStep = z.infer<typeof SalesforceGetStep>;

export const salesforceGetStep = defineStep({
  type: "salesforce.get",
  title: "Get Salesforce record",
  version: 1,
  config: SalesforceGetStep,
  check: (config, env) => checkSalesforceRead(env, { ...config, fields: listed(config.fields) }),
  async start(ctx) {
    const { connection, object } = ctx.config;
    const input = {
      object,
      id: renderRecordId(ctx.render, ctx.config.recordId, ctx.config.id),
      ...optionalKeys(ctx.config, ["fields"]),
    };
    const output = await ctx.effects.call(connection, "get", input);
    return { kind: "next", next: ctx.config.next ?? null, input: { connection, ...input }, output };
  },
});
