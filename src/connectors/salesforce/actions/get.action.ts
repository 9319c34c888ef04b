import { z } from "zod";
import type { ConnectorAction } from "../../connector.js";
import type { SalesforceClient } from "../client.js";
import type { SalesforceConfig } from "../config.js";
import { checkNames, parseInput } from "./input.js";
import { plainRecord, readBackFields, recordUrl } from "./record-output.js";

/**
 * `get`: `GET /sobjects/{object}/{id}?fields=…` (reference §2.3). Output: the record's fields
 * (without Salesforce's `attributes`) plus `id`, `object` and `url`.
 */
const Input = z.object({
  object: z.string().min(1),
  id: z.string().min(1, { error: "the record id rendered empty" }),
  fields: z.array(z.string()).optional(),
});

export function getAction(
  clientFor: (config: SalesforceConfig) => SalesforceClient,
): ConnectorAction<SalesforceConfig> {
  return {
    async run(raw, config) {
      const input = parseInput(Input, raw, "get action needs { object, id, fields?: [field] }");
      checkNames(input.object);
      const client = clientFor(config);
      const id = input.id.trim();
      const record = plainRecord(await client.get(input.object, id, readBackFields(input.fields)));
      const recordId = typeof record.Id === "string" ? record.Id : id;
      return {
        ...record,
        id: recordId,
        object: input.object,
        url: recordUrl(await client.instanceUrl(), input.object, recordId),
      };
    },
  };
}
