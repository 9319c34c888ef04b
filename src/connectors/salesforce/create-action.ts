import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import type { ConnectorAction, ConnectorDeps } from "../connector.js";
import { assertApiName, type DescribeResult, type SalesforceClient } from "./client.js";
import type { SalesforceConfig } from "./config.js";
import type { DescribeCache } from "./describe.js";
import { prepareFields, prepareFieldValues } from "./field-values.js";
import { reconcileQuery } from "./soql.js";

/** `create`: one record of any object. Output `{ id, object, success: true }`. */
export const CreateInput = z.object({
  object: z.string().min(1),
  fields: z.record(z.string(), z.unknown()),
});
export type CreateInput = z.infer<typeof CreateInput>;

export interface CreateOutput {
  id: string;
  object: string;
  success: true;
  reconciled?: true;
  /** What Tern changed in the values before sending them (text cut to the field's length). */
  notes?: string[];
}

/** How far before the first attempt a matching record may have been created (clock skew). */
const RECONCILE_WINDOW_MS = 5 * 60_000;

function parseInput(input: Record<string, unknown>): CreateInput {
  const parsed = CreateInput.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      "VALIDATION_FAILED",
      "The create action needs { object: string, fields: { FieldName: value } }.",
      {
        details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
      },
    );
  }
  assertApiName(parsed.data.object, "object");
  for (const name of Object.keys(parsed.data.fields)) assertApiName(name, "field");
  return parsed.data;
}

export function createAction(
  clientFor: (config: SalesforceConfig) => SalesforceClient,
  describes: DescribeCache,
  deps: ConnectorDeps,
): ConnectorAction<SalesforceConfig> {
  return {
    async run(input, config): Promise<CreateOutput> {
      const { object, fields: rendered } = parseInput(input);
      const client = clientFor(config);
      const { fields, notes } = await prepareFields(describes, client, object, rendered, deps.log);
      const { id } = await client.create(object, fields);
      return { id, object, success: true, ...(notes.length > 0 ? { notes } : {}) };
    },

    /**
     * Salesforce has no idempotency key for a create, so after a crash mid-request we look for the
     * record: same filterable values, created since shortly before the first attempt.
     */
    async reconcile(input, config, ctx): Promise<CreateOutput | null> {
      const { object, fields } = parseInput(input);
      const client = clientFor(config);
      let describe: DescribeResult | null = null;
      try {
        describe = await describes.get(client, object);
      } catch (error) {
        deps.log.warn(
          { connectionId: ctx.connectionId, object, err: error },
          "salesforce: describe failed; reconciling without it",
        );
      }
      // Look for the values as `run` sent them (phones in E.164, text cut to length).
      const sent = describe ? prepareFieldValues(describe, fields).fields : fields;
      const soql = reconcileQuery(object, sent, describe, ctx.intentAt - RECONCILE_WINDOW_MS);
      if (soql === null) {
        deps.log.warn(
          { connectionId: ctx.connectionId, object },
          "salesforce: no filterable field to reconcile a create with",
        );
        return null;
      }
      const result = await client.query<{ Id: string }>(soql);
      const id = result.records[0]?.Id;
      return id ? { id, object, success: true, reconciled: true } : null;
    },
  };
}
