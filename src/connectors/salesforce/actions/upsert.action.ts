import { z } from "zod";
import type { ConnectorAction, ConnectorDeps } from "../../connector.js";
import type { SalesforceClient } from "../client.js";
import type { SalesforceConfig } from "../config.js";
import type { DescribeCache } from "../describe.js";
import { prepareFields } from "../design/field-values.js";
import { withDuplicatePolicy } from "./duplicates.js";
import { checkNames, parseInput, RecordWrite } from "./input.js";
import { readBackFields, recordOutput } from "./record-output.js";

/**
 * `upsert`: `PATCH /sobjects/{object}/{externalIdField}/{value}` → 201 created / 200 updated
 * (reference §2.3, https://developer.salesforce.com/docs/platform/api-rest/guide/dome-upsert.html).
 * Keyed by the external id, so a retry never makes a second record. 300 (several matches) and 404
 * (not an external id field) become errors that say what to fix.
 * Output `{ id, created, object, url, duplicate?, ...readBack }`.
 */
const Input = RecordWrite.extend({
  externalIdField: z.string().min(1),
  externalId: z.union([z.string(), z.number()]).transform((v) => String(v).trim()),
});

export function upsertAction(
  clientFor: (config: SalesforceConfig) => SalesforceClient,
  describes: DescribeCache,
  log: ConnectorDeps["log"],
): ConnectorAction<SalesforceConfig> {
  return {
    async run(raw, config) {
      const input = parseInput(
        Input,
        raw,
        "upsert action needs { object, externalIdField, externalId, fields, readBack?, onDuplicate? }",
      );
      checkNames(input.object, { [input.externalIdField]: null, ...input.fields });
      // Salesforce refuses the external id field in the body of its own upsert (reference §2.3).
      const rendered = Object.fromEntries(
        Object.entries(input.fields).filter(
          ([name]) => name.toLowerCase() !== input.externalIdField.toLowerCase(),
        ),
      );
      const client = clientFor(config);
      // Phones in E.164, text cut to the field's length (with a note), as a create does.
      const { fields, notes } = await prepareFields(describes, client, input.object, rendered, log);
      const outcome = await withDuplicatePolicy(input.onDuplicate ?? "fail", input.object, (options) =>
        client.upsert(input.object, input.externalIdField, input.externalId, fields, options),
      );
      const saved = outcome.kind === "saved" ? outcome.result : { id: outcome.id, created: false };
      const out = await recordOutput(client, input.object, saved.id, readBackFields(input.readBack));
      return {
        ...out,
        created: saved.created,
        success: true,
        ...(outcome.kind === "existing" ? { duplicate: true } : {}),
        ...(notes.length > 0 ? { notes } : {}),
      };
    },
  };
}
