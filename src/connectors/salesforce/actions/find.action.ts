import { z } from "zod";
import type { ConnectorAction } from "../../connector.js";
import type { SalesforceClient } from "../client.js";
import type { SalesforceConfig } from "../config.js";
import type { DescribeCache } from "../describe.js";
import { buildFindQuery, FindCondition, MAX_FIND_LIMIT } from "../find-query.js";
import { checkNames, parseInput } from "./input.js";
import { plainRecord, recordUrl } from "./record-output.js";

/**
 * `find`: records of one object matching every condition, via SOQL that Tern builds
 * (find-query.ts; `GET /query?q=`, reference §2.5). The object's describe (cached) types each
 * value. Output `{ records, count, first, found }`; each record has its fields plus `url`.
 */
const Input = z.object({
  object: z.string().min(1),
  where: z.array(FindCondition).max(20).default([]),
  fields: z.array(z.string()).max(50).default([]),
  limit: z.number().int().min(1).max(MAX_FIND_LIMIT).default(10),
});

export function findAction(
  clientFor: (config: SalesforceConfig) => SalesforceClient,
  describes: DescribeCache,
): ConnectorAction<SalesforceConfig> {
  return {
    async run(raw, config) {
      const input = parseInput(
        Input,
        raw,
        "find action needs { object, where: [{ field, op, value }], fields?, limit? }",
      );
      checkNames(input.object);
      const client = clientFor(config);
      const describe = await describes.get(client, input.object);
      const soql = buildFindQuery(input, describe);
      const result = await client.query(soql);
      const instance = await client.instanceUrl();
      const records = result.records.map((r) => {
        const fields = plainRecord(r);
        return { ...fields, url: recordUrl(instance, describe.name, String(fields.Id)) };
      });
      return { records, count: records.length, first: records[0] ?? null, found: records.length > 0 };
    },
  };
}
