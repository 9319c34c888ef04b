import type { DesignEnv, DesignIssue } from "../../../flows/step.js";
import { type CheckedDescribe, missingObject, unknownField } from "./mapping-check.js";

/**
 * Design-time check of what a read names (`salesforce.find`'s `where` and `fields`,
 * `salesforce.get`'s `fields`) against the object's cached describe, with the same messages as a
 * mapping: a misspelt field fails the find at run time (find-query.ts), so it is refused now.
 * Field names are always literals here: the step schemas take API names only, never templates.
 */
export interface ReadSpec {
  connection: string;
  object: string;
  /** Each name with its path in the step, e.g. ["where", 0, "field"]. */
  fields: ReadonlyArray<{ path: DesignIssue["path"]; name: string; filter?: boolean }>;
}

export async function checkSalesforceRead(env: DesignEnv, spec: ReadSpec): Promise<DesignIssue[]> {
  const describe = (await env.fact(spec.connection, "describe", {
    object: spec.object,
  })) as CheckedDescribe | null;
  if (describe === null) return [missingObject(spec.object)];
  const byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]));
  return spec.fields.flatMap(({ path, name, filter }): DesignIssue[] => {
    const field = byName.get(name.toLowerCase());
    if (!field) return [unknownField(describe, name, path)];
    if (filter && field.filterable === false)
      return [
        {
          level: "error",
          path,
          field: field.name,
          message: `${describe.name}.${field.name} can't be searched in Salesforce (long text areas can't); filter on another field.`,
        },
      ];
    return [];
  });
}

/** The names a find reads: its conditions' fields (filtered on) and the fields it returns. */
export function findFields(config: {
  where: ReadonlyArray<{ field: string }>;
  fields?: ReadonlyArray<string>;
}): ReadSpec["fields"] {
  return [
    ...config.where.map((w, i) => ({ path: ["where", i, "field"], name: w.field, filter: true })),
    ...listed(config.fields),
  ];
}

export function listed(fields: ReadonlyArray<string> | undefined): ReadSpec["fields"] {
  return (fields ?? []).map((name, i) => ({ path: ["fields", i], name }));
}
