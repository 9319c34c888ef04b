import { z } from "zod";
import { StepId, stepBase, Template } from "../../../flows/fields.js";
import { defineStep } from "../../../flows/step.js";
import { checkSalesforceMapping } from "../design/mapping-check.js";
import {
  Connection,
  FieldMap,
  FieldName,
  ObjectName,
  optionalKeys,
  ReadBack,
  StepOnDuplicate,
} from "./step-fields.js";

/**
 * Creates or updates one record matched by an External ID field
 * (`PATCH /sobjects/{object}/{field}/{value}`: 201 created, 200 updated). Output `{ id, created,
 * object, url, ...readBack }`. https://developer.salesforce.com/docs/platform/api-rest/guide/dome-upsert.html
 */
export const SalesforceUpsertStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("salesforce.upsert"),
    connection: Connection,
    object: ObjectName,
    externalIdField: FieldName.describe("A field marked External ID in Salesforce, e.g. Phone_Key__c"),
    externalId: z.union([Template, z.number()]).describe("Its value, e.g. {{ contact.phone }}"),
    fields: FieldMap,
    readBack: ReadBack.optional(),
    onDuplicate: StepOnDuplicate,
    next: StepId.optional(),
  })
  .describe("Creates or updates a Salesforce record by an external id field");
export type SalesforceUpsertStep = z.infer<typeof SalesforceUpsertStep>;

export const salesforceUpsertStep = defineStep({
  type: "salesforce.upsert",
  title: "Create or update Salesforce record",
  version: 1,
  config: SalesforceUpsertStep,
  check: (config, env) => checkSalesforceMapping(env, { ...config, operation: "upsert" }),
  async start(ctx) {
    const { connection, object, externalIdField } = ctx.config;
    const externalId = ctx.config.externalId;
    const input = {
      object,
      externalIdField,
      externalId: typeof externalId === "string" ? ctx.render(externalId) : externalId,
      fields: ctx.renderValue(ctx.config.fields) as Record<string, unknown>,
      ...optionalKeys(ctx.config, ["readBack", "onDuplicate"]),
    };
    const output = await ctx.effects.call(connection, "upsert", input);
    return { kind: "next", next: ctx.config.next ?? null, input: { connection, ...input }, output };
  },
});
