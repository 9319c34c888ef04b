import type { z } from "zod";
import type { ConnectorAction } from "../../connector.js";
import type { SalesforceClient } from "../client.js";
import type { SalesforceConfig } from "../config.js";
import { withDuplicatePolicy } from "./duplicates.js";
import { parseInput, RecordWrite } from "./input.js";
import { readBackFields, recordOutput } from "./record-output.js";

/**
 * `create` with outputs and the duplicate policy. The write itself (and crash reconciliation) is
 * the base create action's; this adds `url`, read-back fields and what happens on
 * DUPLICATES_DETECTED. Output: `{ id, object, url, success, duplicate?, ...readBack }`.
 */
const Input = RecordWrite;

export function withRecordOutputs(
  base: ConnectorAction<SalesforceConfig>,
  clientFor: (config: SalesforceConfig) => SalesforceClient,
): ConnectorAction<SalesforceConfig> {
  const usage = "create action needs { object, fields, readBack?: [field], onDuplicate? }";
  const finish = async (config: SalesforceConfig, input: z.output<typeof Input>, out: unknown) => {
    const result = out as { id: string } & Record<string, unknown>;
    const extra = await recordOutput(
      clientFor(config),
      input.object,
      result.id,
      readBackFields(input.readBack),
    );
    return { ...result, ...extra };
  };
  return {
    async run(raw, config, ctx) {
      const input = parseInput(Input, raw, usage);
      // The base create shapes the values and keys the record (external id mode) on both paths.
      const outcome = await withDuplicatePolicy(input.onDuplicate ?? "fail", input.object, (options) =>
        base.run(options.allowSave ? { ...raw, allowSave: true } : raw, config, ctx),
      );
      if (outcome.kind === "existing") {
        return finish(config, input, {
          id: outcome.id,
          object: input.object,
          success: true,
          duplicate: true,
        });
      }
      return finish(config, input, outcome.result);
    },
    ...(base.reconcile
      ? {
          async reconcile(raw, config, ctx) {
            const found = await base.reconcile?.(raw, config, ctx);
            return found ? finish(config, parseInput(Input, raw, usage), found) : null;
          },
        }
      : {}),
  };
}
