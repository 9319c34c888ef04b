import { z } from "zod";
import { AppError } from "../../../core/app-error.js";
import type { DescribeResult, SalesforceClient } from "../client.js";
import type { DescribeCache } from "../describe.js";

/**
 * How a create is made exactly once. Salesforce has no idempotency key for a create, but an
 * upsert keyed by an External ID + Unique field is one: a retry with the same key updates the
 * record the first attempt created instead of creating a second
 * (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html).
 *
 * - `externalId`: every create is an upsert on `externalIdField` keyed by the effect key. Exact.
 * - `lookup`: a plain create; an unknown outcome is reconciled by a SOQL lookup of the values
 *   sent, created within 5 minutes. Best effort: two identical records in that window, or a
 *   mapping with no filterable field, can't be told apart.
 * - `auto` (default): `externalId` for each object whose describe shows `externalIdField` as an
 *   External ID field, `lookup` for the others.
 */
export const DEFAULT_BATCH_WINDOW_MS = 100;

export const ExactlyOnceSettings = z.object({
  exactlyOnce: z
    .enum(["auto", "externalId", "lookup"], {
      error: 'exactlyOnce is "auto", "externalId" or "lookup"',
    })
    .default("auto"),
  /** A custom field: Text(255), External ID, Unique; on each object Tern creates. */
  externalIdField: z
    .string()
    .trim()
    .regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, {
      error: "externalIdField is a custom field's API name, e.g. Tern_Key__c",
    })
    .default("Tern_Key__c"),
  /**
   * Creates of one object that wait together are sent as one sObject Collections request.
   * The most a create waits for others under load (a lone create is sent at once); 0 = never batch.
   */
  batchWindowMs: z.number().int().min(0).max(1_000).default(DEFAULT_BATCH_WINDOW_MS),
});
export type ExactlyOnceSettings = z.infer<typeof ExactlyOnceSettings>;

export type CreateMode = { kind: "externalId"; field: string } | { kind: "lookup" };

/**
 * Whether describe shows `field` as an external id Tern can key an upsert with, and Unique: an
 * External ID that is not Unique lets two upserts racing on one key each create a record (and
 * later upserts on that key then answer 300), so exact mode would not be exact.
 */
export function hasKeyField(describe: DescribeResult, field: string): boolean {
  const def = describe.fields.find((f) => f.name.toLowerCase() === field.toLowerCase());
  return def?.externalId === true && def.unique === true && def.createable && def.type === "string";
}

/** The mode for `object`, from the connection's settings and (in `auto`) the cached describe. */
export async function createMode(
  settings: Partial<ExactlyOnceSettings>,
  client: SalesforceClient,
  describes: DescribeCache,
  object: string,
): Promise<CreateMode> {
  const { exactlyOnce = "auto", externalIdField: field = "Tern_Key__c" } = settings;
  if (exactlyOnce === "lookup") return { kind: "lookup" };
  if (exactlyOnce === "externalId") return { kind: "externalId", field };
  const describe = await describes.get(client, object);
  return hasKeyField(describe, field) ? { kind: "externalId", field } : { kind: "lookup" };
}

/** An upsert to a field the object doesn't have (404 NOT_FOUND, reference §2.3), said for a person. */
export function missingKeyField(error: AppError, object: string, field: string): AppError {
  if (error.details?.errorCode !== "NOT_FOUND") return error;
  return new AppError(
    "SALESFORCE_FIELD_INVALID",
    `${object} has no External ID field ${field}, which exactlyOnce "externalId" needs. Create it (Setup → Object Manager → ${object} → Fields: Text(255), External ID, Unique) or set the connection's exactlyOnce to "auto" or "lookup".`,
    { details: { ...error.details, field } },
  );
}
