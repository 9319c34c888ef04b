import { z } from "zod";
import { AppError } from "../../../core/app-error.js";
import type { DesignEnv, DesignIssue } from "../../../flows/step.js";
import { assertApiName, type DescribeField, type DescribeResult, type SalesforceClient } from "../client.js";
import type { DescribeCache } from "../describe.js";
import { closestName } from "./closest-name.js";
import { literalProblems } from "./literal-check.js";

/**
 * Design-time check of a Salesforce mapping `{ object, operation, fields }` against the cached
 * describe of the step's connection: the problems the org would answer at 2 a.m. (INVALID_FIELD,
 * REQUIRED_FIELD_MISSING, INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, STRING_TOO_LONG,
 * JSON_PARSER_ERROR), found while the author is still at the keyboard. Field properties per
 * https://developer.salesforce.com/docs/platform/object-reference/guide/access-for-fields.html
 * (reference/salesforce.md §2.4). Templated values are checked at run time, literals here.
 *
 * Any step wires it in one line:
 *   check: (config, env) => checkSalesforceMapping(env, { ...config, operation: "update" })
 */
export type MappingOperation = "create" | "update" | "upsert";

export interface MappingSpec {
  connection: string;
  object: string;
  operation: MappingOperation;
  fields: Record<string, unknown>;
  /** Upsert: the external id field the record is matched on. */
  externalIdField?: string;
}

/** Describe properties the check reads beyond the client's minimal `DescribeField`. */
export type CheckedField = DescribeField & {
  updateable?: boolean;
  restrictedPicklist?: boolean;
  externalId?: boolean;
  idLookup?: boolean;
  calculated?: boolean;
};
export type CheckedDescribe = Omit<DescribeResult, "fields"> & {
  createable?: boolean;
  updateable?: boolean;
  fields: CheckedField[];
};

/**
 * The runtime's `describe` fact: the cached describe of `input.object`, or null when the org has
 * no such object (404 NOT_FOUND, reference §2.3). Other failures (not connected, unreachable) throw.
 */
export async function describeFact(
  describes: DescribeCache,
  client: SalesforceClient,
  input: Record<string, unknown>,
): Promise<DescribeResult | null> {
  const object = String(input.object ?? "");
  assertApiName(object, "object");
  try {
    return await describes.get(client, object);
  } catch (error) {
    if (
      error instanceof AppError &&
      error.details?.httpStatus === 404 &&
      error.details.errorCode === "NOT_FOUND"
    )
      return null;
    throw error;
  }
}

/** Fetches the describe through the connection's runtime (cached there) and checks the mapping. */
export async function checkSalesforceMapping(env: DesignEnv, spec: MappingSpec): Promise<DesignIssue[]> {
  const describe = (await env.fact(spec.connection, "describe", {
    object: spec.object,
  })) as CheckedDescribe | null;
  if (describe === null) return [missingObject(spec.object)];
  return mappingProblems(describe, spec);
}

/** The describe fact answered null: the org has no such object, or the user cannot see it. */
export function missingObject(object: string): DesignIssue {
  const custom = object.endsWith("__c") ? "" : " Custom objects end in __c (e.g. Invoice__c).";
  return issue(
    ["object"],
    `Salesforce has no object "${object}" that this connection's user can see: check the API name (Setup › Object Manager).${custom}`,
  );
}

/** What the `salesforce.mapping` fact is asked: a mapping of a step outside this connector. */
export const MappingQuestion = z.object({
  object: z.string(),
  operation: z.enum(["create", "update", "upsert"]),
  fields: z.record(z.string(), z.unknown()),
});

/**
 * The runtime's `salesforce.mapping` fact: the same check for a step the connector does not
 * define (a `handoff` step's Case, in `src/flows`, which never imports a connector).
 */
export async function mappingFact(
  describes: DescribeCache,
  client: SalesforceClient,
  input: Record<string, unknown>,
): Promise<DesignIssue[]> {
  const question = MappingQuestion.parse(input);
  const env: DesignEnv = { fact: (_connection, _name, asked) => describeFact(describes, client, asked) };
  return checkSalesforceMapping(env, { connection: "", ...question });
}

/** Pure: every problem of a mapping against one describe. */
export function mappingProblems(describe: CheckedDescribe, spec: MappingSpec): DesignIssue[] {
  const problems: DesignIssue[] = [];
  const byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]));
  const { object, operation } = spec;
  if (operation !== "update" && describe.createable === false)
    problems.push(
      issue(
        ["object"],
        `the integration user cannot create ${object} records: grant Create on ${object} in its profile or a permission set.`,
      ),
    );
  if (operation !== "create" && describe.updateable === false)
    problems.push(
      issue(
        ["object"],
        `the integration user cannot edit ${object} records: grant Edit on ${object} in its profile or a permission set.`,
      ),
    );

  const mapped = new Map<string, unknown>();
  for (const [name, value] of Object.entries(spec.fields)) {
    const field = byName.get(name.toLowerCase());
    if (!field) {
      problems.push(unknownField(describe, name));
      continue;
    }
    mapped.set(field.name, value);
    const access = accessProblems(object, operation, field, name);
    problems.push(...(access.length > 0 ? access : literalProblems(field, name, value, operation)));
  }
  if (operation !== "update") problems.push(...missingRequired(describe, mapped, operation));
  if (spec.externalIdField !== undefined)
    problems.push(...externalIdProblems(describe, spec.externalIdField, spec.fields));
  return problems;
}

const issue = (
  path: DesignIssue["path"],
  message: string,
  field?: string,
  level: DesignIssue["level"] = "error",
): DesignIssue => (field ? { level, path, message, field } : { level, path, message });

/** A field name the describe does not list, with the likely one ("Did you mean"). */
export function unknownField(
  describe: CheckedDescribe,
  name: string,
  path: DesignIssue["path"] = ["fields", name],
): DesignIssue {
  const names = describe.fields.map((f) => f.name);
  const labels = describe.fields.map((f) => ({ name: f.name, label: f.label }));
  const guess = closestName(name, names, labels);
  const hint = guess ? ` Did you mean "${guess}"?` : "";
  const custom = name.endsWith("__c") ? "" : " Custom fields end in __c (e.g. Source__c).";
  return issue(
    path,
    `${describe.name} has no field "${name}" (or the integration user cannot see it: check field-level security).${hint}${custom}`,
    name,
  );
}

function accessProblems(
  object: string,
  operation: MappingOperation,
  field: CheckedField,
  key: string,
): DesignIssue[] {
  const problems: DesignIssue[] = [];
  const path = ["fields", key];
  const isUpdateable = field.updateable ?? field.createable;
  if (operation !== "update" && !field.createable) {
    problems.push(
      issue(
        path,
        `${object}.${field.name} cannot be set when creating a record (read-only, system-set or hidden by field-level security): remove it from the mapping, or make it editable for the integration user.`,
        field.name,
      ),
    );
  } else if (operation === "update" && !isUpdateable) {
    problems.push(
      issue(
        path,
        `${object}.${field.name} cannot be changed on an existing record (read-only or create-only): remove it from this update, or set it when the record is created.`,
        field.name,
      ),
    );
  } else if (operation === "upsert" && !isUpdateable) {
    problems.push(
      issue(
        path,
        `${object}.${field.name} can be set on create but not changed later: when the upsert matches an existing record Salesforce refuses it; set it in a create step instead.`,
        field.name,
      ),
    );
  }
  return problems;
}

/** Rule clients use: createable && !nillable && !defaultedOnCreate (reference §2.4) — Lead: LastName, Company. */
function missingRequired(
  describe: CheckedDescribe,
  mapped: Map<string, unknown>,
  operation: MappingOperation,
): DesignIssue[] {
  const required = describe.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate);
  return required
    .filter((f) => {
      const value = mapped.get(f.name);
      return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
    })
    .map((f) =>
      operation === "create"
        ? issue(
            ["fields"],
            `${describe.name} requires ${f.name} (${f.label}) and the mapping does not set it: add "${f.name}" to fields.`,
            f.name,
          )
        : issue(
            ["fields"],
            `${describe.name} requires ${f.name} (${f.label}): when no record matches, the upsert creates one and Salesforce refuses it without ${f.name}. Map "${f.name}" too.`,
            f.name,
            "warning",
          ),
    );
}

function externalIdProblems(
  describe: CheckedDescribe,
  name: string,
  fields: Record<string, unknown>,
): DesignIssue[] {
  const field = describe.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
  if (!field) return [{ ...unknownField(describe, name), path: ["externalIdField"] }];
  // The matched value goes in the URL, never in the body (dome-upsert, reference §2.3).
  const inBody = Object.keys(fields).find((k) => k.toLowerCase() === field.name.toLowerCase());
  if (inBody)
    return [
      issue(
        ["fields", inBody],
        `${field.name} is the field the upsert matches on: it goes in the URL, so remove it from fields.`,
        field.name,
      ),
    ];
  if (field.externalId || field.name === "Id") return [];
  return [
    issue(
      ["externalIdField"],
      `${describe.name}.${field.name} is not an External ID field: tick "External ID" on the field in Setup › Object Manager, or upsert on another field.`,
      field.name,
    ),
  ];
}
