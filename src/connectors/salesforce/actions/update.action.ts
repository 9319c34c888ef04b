import { z } from "zod";
import type { ConnectorAction, ConnectorDeps } from "../../connector.js";
import type { SalesforceClient } from "../client.js";
import type { SalesforceConfig } from "../config.js";
import type { DescribeCache } from "../describe.js";
import { prepareFields } from "../design/field-values.js";
import { assertRecordId } from "../record-calls.js";
import { withDuplicatePolicy } from "./duplicates.js";
import { checkNames, parseInput, RecordWrite } from "./input.js";
import { readBackFields, recordOutput } from "./record-output.js";

/**
 * `update`: `PATCH /sobjects/{object}/{id}` → 204 (reference §2.3). Idempotent, so a retry after a
 * lost answer simply writes the same values again. Output `{ id, object, url, duplicate?, ...readBack }`.
 */
const Input = RecordWrite.extend({
  id: z.string().min(1, { error: "the record id rendered empty" }),
});

export function updateAction(
  clientFor: (config: SalesforceConfig) => SalesforceClient,
  describes: DescribeCache,
  log: ConnectorDeps["log"],
): ConnectorAction<SalesforceConfig> {
  return {
    async run(raw, config) {
      const input = parseInput(
        Input,
        raw,
        "update action needs { object, id, fields, readBack?, onDuplicate? }",
      );
      checkNames(input.object, input.fields);
      assertRecordId(input.id.trim());
      const client = clientFor(config);
      // Phones in E.164, text cut to the field's length (with a note), as a create does.
      const { fields, notes } = await prepareFields(describes, client, input.object, input.fields, log);
      const outcome = await withDuplicatePolicy(input.onDuplicate ?? "fail", input.object, (options) =>
        client.update(input.object, input.id.trim(), fields, options),
      );
      const id = outcome.kind === "existing" ? outcome.id : input.id.trim();
      const out = await recordOutput(client, input.object, id, readBackFields(input.readBack));
      return {
        ...out,
        success: true,
        ...(outcome.kind === "existing" ? { duplicate: true } : {}),
        ...(notes.length > 0 ? { notes } : {}),
      };
    },
  };
}
