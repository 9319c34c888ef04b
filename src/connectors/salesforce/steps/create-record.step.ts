import { z } from "zod";
import { StepId, stepBase, Template } from "../../../flows/fields.js";
import { defineStep } from "../../../flows/step.js";
import { checkSalesforceMapping } from "../design/mapping-check.js";
import { optionalKeys, ReadBack, StepOnDuplicate } from "./step-fields.js";

/**
 * Creates one Salesforce record (Lead, Case, any sObject) on a named connection. The output is
 * what the connector returns: `id`, `url`, the `readBack` fields (a Case's `CaseNumber`), and
 * `duplicate: true` when `onDuplicate: "useExisting"` picked a matching record — so later steps
 * can say `{{ steps.<this step id>.id }}`.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm
 */

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export const SalesforceCreateStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("salesforce.create"),
    connection: z
      .string()
      .min(1, { error: "name the Salesforce connection, e.g. salesforce" })
      .max(200)
      .describe("Connection name"),
    object: z
      .string()
      .max(80)
      .regex(API_NAME, { error: "object is an API name such as Lead, Case or Invoice__c" })
      .describe("sObject API name, e.g. Lead"),
    fields: z
      .record(
        z
          .string()
          .max(80)
          .regex(API_NAME, { error: "field names are API names such as LastName or Score__c" }),
        z.union([Template, z.number(), z.boolean(), z.null()]),
      )
      .refine((fields) => Object.keys(fields).length > 0, { error: "set at least one field, e.g. LastName" })
      .describe("Field API name → Liquid template or literal"),
    readBack: ReadBack.optional(),
    onDuplicate: StepOnDuplicate,
    next: StepId.optional(),
  })
  .describe("Creates a Salesforce record");
export type SalesforceCreateStep = z.infer<typeof SalesforceCreateStep>;

export const salesforceCreateStep = defineStep({
  type: "salesforce.create",
  title: "Create Salesforce record",
  version: 1,
  config: SalesforceCreateStep,
  check: (config, env) => checkSalesforceMapping(env, { ...config, operation: "create" }),
  async start(ctx) {
    const { connection, object } = ctx.config;
    const fields = ctx.renderValue(ctx.config.fields) as Record<string, unknown>;
    const input = { object, fields, ...optionalKeys(ctx.config, ["readBack", "onDuplicate"]) };
    const output = await ctx.effects.call(connection, "create", input);
    return { kind: "next", next: ctx.config.next ?? null, input: { connection, ...input }, output };
  },
});
