import { z } from "zod";
import { StepId, stepBase, Template } from "../../../flows/fields.js";
import { defineStep } from "../../../flows/step.js";
import { checkSalesforceMapping } from "../design/mapping-check.js";
import {
  Connection,
  FieldMap,
  ObjectName,
  optionalKeys,
  ReadBack,
  renderRecordId,
  StepOnDuplicate,
} from "./step-fields.js";

/**
 * Updates one record by id (`PATCH /sobjects/{object}/{id}` → 204). Output `{ id, object, url,
 * ...readBack }`. https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_update_fields.htm
 */
export const SalesforceUpdateStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("salesforce.update"),
    connection: Connection,
    object: ObjectName,
    // Not `id`: that is the step's own id.
    recordId: Template.describe("Record id, e.g. {{ steps.find_lead.first.Id }}"),
    fields: FieldMap,
    readBack: ReadBack.optional(),
    onDuplicate: StepOnDuplicate,
    next: StepId.optional(),
  })
  .describe("Updates a Salesforce record by id");
export type SalesforceUpdateStep = z.infer<typeof SalesforceUpdateStep>;

export const salesforceUpdateStep = defineStep({
  type: "salesforce.update",
  title: "Update Salesforce record",
  version: 1,
  config: SalesforceUpdateStep,
  check: (config, env) => checkSalesforceMapping(env, { ...config, operation: "update" }),
  async start(ctx) {
    const { connection, object } = ctx.config;
    const input = {
      object,
      id: renderRecordId(ctx.render, ctx.config.recordId, ctx.config.id),
      fields: ctx.renderValue(ctx.config.fields) as Record<string, unknown>,
      ...optionalKeys(ctx.config, ["readBack", "onDuplicate"]),
    };
    const output = await ctx.effects.call(connection, "update", input);
    return { kind: "next", next: ctx.config.next ?? null, input: { connection, ...input }, output };
  },
});
