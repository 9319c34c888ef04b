import { AppError, toAppError } from "../../../core/app-error.js";
import { assertApiName, type SalesforceClient } from "../client.js";

/**
 * What a record step outputs besides `id`: the record's address for people and the fields the
 * step asked to read back (e.g. a Case's CaseNumber, which Salesforce assigns on create).
 */

/**
 * Lightning URL of a record for people. My Domain instances (`https://<x>.my.salesforce.com`,
 * sandboxes `<x>--<sbx>.sandbox.my.salesforce.com`) serve Lightning at `<x>.lightning.force.com`
 * (https://help.salesforce.com/s/articleView?id=sf.domain_name_url_formats.htm); for any other
 * instance host, `<instance>/<Id>` redirects to the record.
 */
export function recordUrl(instanceUrl: string, object: string, id: string): string {
  const origin = instanceUrl.replace(/\/+$/, "");
  const match = /^https:\/\/([^/]+)\.my\.salesforce\.com$/i.exec(origin);
  if (match) return `https://${match[1]}.lightning.force.com/lightning/r/${object}/${id}/view`;
  return `${origin}/${id}`;
}

export const MAX_READ_BACK = 50;

/** Checks the names a step asks to read back; they end up in a URL. */
export function readBackFields(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_READ_BACK || value.some((f) => typeof f !== "string")) {
    throw new AppError(
      "VALIDATION_FAILED",
      `readBack is a list of at most ${MAX_READ_BACK} field API names, e.g. ["CaseNumber"].`,
    );
  }
  for (const name of value) assertApiName(name, "field");
  return [...new Set(value as string[])];
}

/** Drops Salesforce's `attributes` envelope from a record. */
export function plainRecord(record: Record<string, unknown>): Record<string, unknown> {
  const { attributes: _attributes, ...fields } = record;
  return fields;
}

const READ_BACK_ATTEMPTS = 2;

/**
 * The read-back GET runs after the write succeeded: failing the action then would make the
 * effect retry the write (a second record). So it is tried twice and, if it still fails, the
 * output says why in `readBackError` instead of carrying the fields.
 */
async function readFields(
  client: SalesforceClient,
  object: string,
  id: string,
  readBack: ReadonlyArray<string>,
): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return plainRecord(await client.get(object, id, readBack));
    } catch (error) {
      const appError = toAppError(error);
      if (attempt < READ_BACK_ATTEMPTS && appError.retry !== "never") continue;
      return {
        readBackError: `${object} ${id} was saved, but reading ${readBack.join(", ")} back failed: ${appError.message}`,
      };
    }
  }
}

/** `{ id, object, url, ...read-back fields }`: one GET with `?fields=` when fields were asked for. */
export async function recordOutput(
  client: SalesforceClient,
  object: string,
  id: string,
  readBack: ReadonlyArray<string>,
): Promise<Record<string, unknown>> {
  const url = recordUrl(await client.instanceUrl(), object, id);
  const fields = readBack.length > 0 ? await readFields(client, object, id, readBack) : {};
  return { ...fields, id, object, url };
}
