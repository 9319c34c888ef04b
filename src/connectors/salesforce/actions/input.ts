import { z } from "zod";
import { AppError } from "../../../core/app-error.js";
import { assertApiName } from "../client.js";
import { OnDuplicate } from "./duplicates.js";

/** Shared pieces of the Salesforce action inputs (what a step hands `effects.call`). */
export const Fields = z.record(z.string(), z.unknown());

/** What every record write (create, update, upsert) takes; each action extends it with its key. */
export const RecordWrite = z.object({
  object: z.string().min(1),
  fields: Fields,
  readBack: z.array(z.string()).optional(),
  onDuplicate: OnDuplicate.optional(),
});

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, usage: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", `The ${usage}.`, {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    });
  }
  return parsed.data;
}

/** Object and field names go into URLs and SOQL: plain API names only. */
export function checkNames(object: string, fields: Record<string, unknown> = {}): void {
  assertApiName(object, "object");
  for (const name of Object.keys(fields)) assertApiName(name, "field");
}
