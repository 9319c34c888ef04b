import { z } from "zod";
import { StepId, stepBase } from "../../../flows/fields.js";
import { defineStep } from "../../../flows/step.js";
import { checkSalesforceRead, findFields } from "../design/read-check.js";
import { Connection, FieldList, FindLimit, FindWhere, ObjectName, optionalKeys } from "./step-fields.js";

/**
 * Finds records of one object where every condition holds. Tern builds the SOQL: names are
 * checked against the object's describe, values quoted and escaped (find-query.ts), so what a
 * customer types is only ever a value. Output `{ records, count, first, found }`.
 */
export const SalesforceFindStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("salesforce.find"),
    connection: Connection,
    object: ObjectName,
    where: FindWhere,
    fields: FieldList.optional().describe('Fields to return besides Id, e.g. ["Name", "Phone"]'),
    limit: FindLimit.optional().describe("At most this many records (default 10, at most 200)"),
    next: StepId.optional(),
  })
  .describe("Finds Salesforce records");
export type SalesforceFindStep = z.infer<typeof SalesforceFindStep>;

export const salesforceFindStep = defineStep({
  type: "salesforce.find",
  title: "Find Salesforce records",
  version: 1,
  config: SalesforceFindStep,
  check: (config, env) => checkSalesforceRead(env, { ...config, fields: findFields(config) }),
  async start(ctx) {
    const { connection, object } = ctx.config;
    const input = {
      object,
      where: ctx.renderValue(ctx.config.where),
      ...optionalKeys(ctx.config, ["fields", "limit"]),
    };
    const output = await ctx.effects.call(connection, "find", input);
    return { kind: "next", next: ctx.config.next ?? null, input: { connection, ...input }, output };
  },
});
