import { z } from "zod";
import { AppError } from "../../../core/app-error.js";
import { Template } from "../../../flows/fields.js";
import { OnDuplicate } from "../actions/duplicates.js";
import { FIND_OPS, MAX_FIND_LIMIT } from "../find-query.js";

/** Schema pieces shared by the salesforce.* steps. Names are API names: they end up in URLs and SOQL. */
const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export const Connection = z
  .string()
  .min(1, { error: "name the Salesforce connection, e.g. salesforce" })
  .max(200)
  .describe("Connection name");

export const ObjectName = z
  .string()
  .max(80)
  .regex(API_NAME, { error: "object is an API name such as Lead, Case or Invoice__c" })
  .describe("sObject API name, e.g. Lead, Case or Invoice__c");

export const FieldName = z
  .string()
  .max(80)
  .regex(API_NAME, { error: "field names are API names such as LastName or Score__c" });

const FieldValue = z.union([Template, z.number(), z.boolean(), z.null()]);

export const FieldMap = z
  .record(FieldName, FieldValue)
  .refine((fields) => Object.keys(fields).length > 0, { error: "set at least one field, e.g. LastName" })
  .describe("Field API name → Liquid template or literal");

export const ReadBack = z
  .array(FieldName)
  .min(1)
  .max(50)
  .describe(
    'Fields to read back after the write (one GET), e.g. ["CaseNumber"]; output as steps.<id>.<Field>',
  );

export const StepOnDuplicate = OnDuplicate.optional().describe(
  'When a duplicate rule matches: "fail" (default), "useExisting" (the matching record\'s id) or "allowSave" (alert rules only)',
);

export const FieldList = z.array(FieldName).min(1).max(50);

export const FindWhere = z
  .array(
    z.strictObject({
      field: FieldName,
      op: z.enum(FIND_OPS).default("="),
      value: z.union([FieldValue, z.array(FieldValue).min(1).max(100)]),
    }),
  )
  .max(20)
  .describe("Conditions combined with AND; values are templates, quoted and escaped by Tern");

export const FindLimit = z.number().int().min(1).max(MAX_FIND_LIMIT);

/** The optional keys a step passes on only when the flow set them (keeps run history inputs small). */
export function optionalKeys(config: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => config[k] !== undefined).map((k) => [k, config[k]]));
}

/**
 * The record id a get or update step rendered. An empty one (`{{ vars.nothing }}`) fails here,
 * naming the step's field, as a find's empty value does: the action itself could only say
 * "The get action needs { object, id, … }", which names no field of the flow.
 */
export function renderRecordId(
  render: (template: string) => string,
  template: string,
  stepId: string,
): string {
  const id = render(template);
  if (id.trim() !== "") return id;
  throw new AppError(
    "VALIDATION_FAILED",
    `The recordId of step "${stepId}" is empty (did its template ${JSON.stringify(template.slice(0, 100))} render nothing?). Give it the id of a record, e.g. {{ steps.find_lead.first.Id }}.`,
    { details: { stepId, field: "recordId" } },
  );
}
