import { z } from "zod";

/** Request schemas shared by the two config-plus-secrets resources: connections and channels. */
/** A resource id in the path: `/flows/` (an empty id) is not a resource. */
export const IdParams = z.object({ id: z.string().min(1).max(200) });

const Config = z.record(z.string(), z.unknown());

/**
 * Flows and the API pick a channel or connection by name: no spaces around it, no control or
 * invisible characters (an outside audit created " wa-main " and "wa-main\u200b" beside "wa-main",
 * and the API trigger picked another channel than the admin read).
 */
const Name = z
  .string()
  .min(1)
  .max(100)
  .refine((v) => v.trim() === v, "must not begin or end with spaces")
  .refine((v) => !/[\p{Cc}\p{Cf}]/u.test(v), "must not hold control or invisible characters");

export function integrationCreateBody(typeExample: string, configNote: string) {
  // Strict: a misspelt key is an error, not a silent no-op.
  return z.strictObject({
    type: z.string().describe(`Type, e.g. "${typeExample}"`),
    name: Name.describe("Unique name (case and width aside); flows refer to connections by it"),
    config: Config.describe(`${configNote}; secret fields are write-only`),
  });
}

/** Strict: `type` cannot change (delete and create instead), and a misspelt key is an error. */
export const IntegrationPatchBody = z.strictObject({
  name: Name.optional(),
  config: Config.optional().describe("Merged over the stored config; leave secrets out to keep them"),
});
