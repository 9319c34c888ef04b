import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { assertApiName, type DescribeField, type DescribeResult } from "./client.js";
import { NUMBER_TYPES, soqlString, TEXT_TYPES } from "./soql.js";

/**
 * The SOQL of `salesforce.find`, built by Tern from data — never from text a person typed.
 * Object and field names must be plain API names that the object's describe knows; every value
 * becomes one literal of the field's type: text quoted and escaped (soql.ts), numbers, booleans,
 * dates and datetimes only when they match their exact format
 * (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm,
 * …/sforce_api_calls_soql_select_dateformats.htm). So a customer typing `' OR Name != '`
 * is a value compared with a field, not SOQL.
 */
export const FIND_OPS = ["=", "!=", "<", ">", "<=", ">=", "LIKE", "IN"] as const;
export const MAX_FIND_LIMIT = 200;
const MAX_IN_VALUES = 100;

export const FindCondition = z.strictObject({
  field: z.string().min(1).max(80),
  op: z.enum(FIND_OPS),
  value: z.unknown(),
});
export type FindCondition = z.infer<typeof FindCondition>;

export interface FindQuery {
  object: string;
  where: FindCondition[];
  fields: string[];
  limit: number;
}

/** Text for LIKE: the quoted-string types, and multi-select picklists (`;`-joined text). */
const TEXT = new Set([...TEXT_TYPES, "multipicklist"]);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

const invalid = (message: string, details: Record<string, unknown>) =>
  new AppError("VALIDATION_FAILED", message, { details });

function scalar(def: DescribeField, op: string, value: unknown): string {
  const where = { field: def.name, op };
  if (value === null || value === undefined) {
    if (op === "=" || op === "!=") return "null";
    throw invalid(`${def.name} ${op} needs a value; only = and != compare with null.`, where);
  }
  if (typeof value === "object")
    throw invalid(`The value for ${def.name} ${op} must be text, a number or true/false.`, where);
  const text = String(value).trim();
  if (op === "LIKE" && !TEXT.has(def.type)) {
    throw invalid(`LIKE works on text fields; ${def.name} is a ${def.type} field.`, where);
  }
  if (NUMBER_TYPES.has(def.type)) {
    const n = typeof value === "number" ? value : Number(text);
    if (text === "" || !Number.isFinite(n))
      throw invalid(`${def.name} is a number field; "${text.slice(0, 40)}" is not a number.`, where);
    return String(n);
  }
  if (def.type === "boolean") {
    if (text !== "true" && text !== "false")
      throw invalid(`${def.name} is a checkbox; compare it with true or false.`, where);
    return text;
  }
  if (def.type === "date" || def.type === "datetime") {
    const pattern = def.type === "date" ? DATE : DATETIME;
    if (!pattern.test(text)) {
      const example = def.type === "date" ? "2026-01-31" : "2026-01-31T09:30:00Z";
      throw invalid(`${def.name} is a ${def.type} field; write the value like ${example}.`, where);
    }
    return text;
  }
  // SOQL compares '' like null, so an empty rendered value would match every record without a
  // value (e.g. a customer without a phone would "find" all Leads without one): refuse it.
  if (text === "") {
    throw invalid(
      `The value for ${def.name} ${op} is empty (did its template render nothing?). Use null to find records without a ${def.name}.`,
      where,
    );
  }
  // Text, ids, picklists and types Tern doesn't know: one quoted, escaped string literal.
  return soqlString(String(value));
}

function literal(def: DescribeField, condition: FindCondition): string {
  if (condition.op !== "IN") return scalar(def, condition.op, condition.value);
  const values = Array.isArray(condition.value) ? condition.value : [condition.value];
  if (values.length === 0 || values.length > MAX_IN_VALUES) {
    throw invalid(`IN needs a list of 1 to ${MAX_IN_VALUES} values for ${def.name}.`, { field: def.name });
  }
  return `(${values.map((v) => scalar(def, "=", v)).join(", ")})`;
}

function fieldOf(describe: DescribeResult, name: string): DescribeField {
  assertApiName(name, "field");
  const def = describe.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
  if (!def) {
    throw new AppError(
      "SALESFORCE_FIELD_INVALID",
      `${describe.name} has no field "${name}" this user can see. Check the API name (custom fields end in __c).`,
      { details: { object: describe.name, field: name } },
    );
  }
  return def;
}

/** `SELECT Id, … FROM Object WHERE a = 'x' AND … LIMIT n`. Conditions are combined with AND. */
export function buildFindQuery(query: FindQuery, describe: DescribeResult): string {
  assertApiName(query.object, "object");
  const names = ["Id", ...query.fields.filter((f) => f.toLowerCase() !== "id")];
  const select = [...new Set(names.map((name) => fieldOf(describe, name).name))];
  const conditions = query.where.map((condition) => {
    const def = fieldOf(describe, condition.field);
    if (def.filterable === false) {
      throw invalid(
        `${describe.name}.${def.name} can't be searched in Salesforce (long text areas can't); filter on another field.`,
        { field: def.name },
      );
    }
    return `${def.name} ${condition.op} ${literal(def, condition)}`;
  });
  const limit = Math.min(Math.max(1, Math.trunc(query.limit)), MAX_FIND_LIMIT);
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
  return `SELECT ${select.join(", ")} FROM ${describe.name}${where} LIMIT ${limit}`;
}
