import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError, toAppError } from "../../../core/app-error.js";
import type { ConnectorAction, ConnectorDeps } from "../../connector.js";
import { assertApiName, type DescribeResult, type SalesforceClient } from "../client.js";
import type { SalesforceConfig } from "../config.js";
import type { DescribeCache } from "../describe.js";
import { prepareFields, prepareFieldValues } from "../design/field-values.js";
import { reconcileQuery, soqlString } from "../soql.js";
import type { Coalescer } from "./coalescer.js";
import { type CreateOutput, type PendingCreate, sendCreates } from "./create-batch.js";
import { type CreateMode, createMode, DEFAULT_BATCH_WINDOW_MS, missingKeyField } from "./exactly-once.js";

export type { CreateOutput } from "./create-batch.js";

/** `create`: one record of any object. Output `{ id, object, success: true }`. */
export const CreateInput = z.object({
  object: z.string().min(1),
  fields: z.record(z.string(), z.unknown()),
  /** Resend past an alert-type duplicate rule (`Sforce-Duplicate-Rule-Header`), alone, not batched. */
  allowSave: z.boolean().optional(),
});
export type CreateInput = z.infer<typeof CreateInput>;

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

/** Creates batch only with creates for the same org, user, API version, object and mode. */
function groupKey(config: SalesforceConfig, object: string, mode: CreateMode): string {
  const { loginUrl, clientId, refreshToken, apiVersion } = config;
  const who = createHash("sha256")
    .update(JSON.stringify([loginUrl, clientId, refreshToken, apiVersion]))
    .digest("hex");
  return `${who}:${object.toLowerCase()}:${mode.kind === "externalId" ? mode.field.toLowerCase() : ""}`;
}

export function createAction(
  clientFor: (config: SalesforceConfig) => SalesforceClient,
  describes: DescribeCache,
  deps: ConnectorDeps,
  batches: Coalescer<PendingCreate, CreateOutput>,
): ConnectorAction<SalesforceConfig> {
  return {
    /**
     * Upserts by the effect key where the object has Tern's External ID field (exact), else
     * creates (reconciled by lookup). Creates waiting together go as one collection request.
     */
    async run(input, config, ctx): Promise<CreateOutput> {
      const { object, fields: rendered, allowSave } = parseInput(input);
      const client = clientFor(config);
      const { fields, notes } = await prepareFields(describes, client, object, rendered, deps.log);
      const mode = await createMode(config, client, describes, object);
      try {
        if (allowSave) {
          // Still keyed in external id mode, so a lost answer to this resend is reconciled exactly.
          const saved =
            mode.kind === "externalId"
              ? await client.upsert(object, mode.field, ctx.key, fields, { allowSave })
              : await client.create(object, fields, { allowSave });
          const output: CreateOutput = { id: saved.id, object, success: true };
          return notes.length > 0 ? { ...output, notes } : output;
        }
        const output = await batches.submit(
          groupKey(config, object, mode),
          { fields, key: ctx.key },
          (pending) => sendCreates(client, object, mode, pending, config.apiVersion),
          config.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS,
        );
        return notes.length > 0 ? { ...output, notes } : output;
      } catch (error) {
        if (mode.kind !== "externalId") throw error;
        const appError = toAppError(error);
        // Two upserts of one key at once (a retry racing the attempt whose answer was lost): the
        // loser gets DUPLICATE_VALUE on the key field. The record exists, created by this effect.
        if (isKeyCollision(appError, mode.field)) {
          const id = await findByKey(client, object, mode.field, ctx.key);
          if (id) return { id, object, success: true, reconciled: true };
        }
        throw missingKeyField(appError, object, mode.field);
      }
    },

    /**
     * After a crash mid-request or an unknown outcome. External ID mode: the record carrying this
     * effect key. Lookup mode (Salesforce has no idempotency key for a create): same filterable
     * values, created since shortly before the first attempt.
     */
    async reconcile(input, config, ctx): Promise<CreateOutput | null> {
      const { object, fields } = parseInput(input);
      const client = clientFor(config);
      const mode = await createMode(config, client, describes, object).catch(() => null);
      if (mode?.kind === "externalId") {
        // Exact: the field is unique, and an earlier attempt carried this key.
        const id = await findByKey(client, object, mode.field, ctx.key);
        return id ? { id, object, success: true, reconciled: true } : null;
      }
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

/** The record carrying this effect key in Tern's External ID field, if one does. */
async function findByKey(
  client: SalesforceClient,
  object: string,
  field: string,
  key: string,
): Promise<string | undefined> {
  const found = await client.query<{ Id: string }>(
    `SELECT Id FROM ${object} WHERE ${field} = ${soqlString(key)} LIMIT 1`,
  );
  return found.records[0]?.Id;
}

/**
 * DUPLICATE_VALUE on the key field: "duplicate value found: Tern_Key__c duplicates value on record
 * with id: …", its `fields` naming the field or empty.
 */
function isKeyCollision(error: AppError, field: string): boolean {
  if (error.details?.errorCode !== "DUPLICATE_VALUE") return false;
  const fields = (error.details.fields as string[] | undefined) ?? [];
  const said = String(error.details.salesforceMessage ?? "").toLowerCase();
  return fields.some((f) => f.toLowerCase() === field.toLowerCase()) || said.includes(field.toLowerCase());
}
