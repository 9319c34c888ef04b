import { z } from "zod";

/** Request schemas shared by the two config-plus-secrets resources: connections and channels. */
/** A resource id in the path: `/flows/` (an empty id) is not a resource. */
export const IdParams = z.object({ id: z.string().min(1).max(200) });

const Config = z.record(z.string(), z.unknown());

export function integrationCreateBody(typeExample: string, configNote: string) {
  // Strict: a misspelt key is an error, not a silent no-op.
  return z.strictObject({
    type: z.string().describe(`Type, e.g. "${typeExample}"`),
    name: z.string().min(1).max(100).describe("Unique name; flows refer to connections by it"),
    config: Config.describe(`${configNote}; secret fields are write-only`),
  });
}

/** Strict: `type` cannot change (delete and create instead), and a misspelt key is an error. */
export const IntegrationPatchBody = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  config: Config.optional().describe("Merged over the stored config; leave secrets out to keep them"),
});
