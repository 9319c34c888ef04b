import { cutText } from "../../../core/cut-text.js";
import { possibleE164 } from "../../../core/phone.js";
import type { ConnectorDeps } from "../../connector.js";
import type { DescribeResult, SalesforceClient } from "../client.js";
import type { DescribeCache } from "../describe.js";

/**
 * Run-time shaping of rendered values before a create/update, from the object's cached describe
 * (no API call per record once cached): phone fields in E.164, text cut to the field's length so
 * a long transcript does not fail the record with STRING_TOO_LONG. Every cut is reported in
 * `notes`, which the action returns and the run history shows.
 */
export interface PreparedFields {
  fields: Record<string, unknown>;
  notes: string[];
}

/** Types whose value can be cut without changing its meaning; a cut email or picklist would be wrong. */
const CUTTABLE = new Set(["string", "textarea", "combobox"]);

export function prepareFieldValues(
  describe: DescribeResult,
  fields: Record<string, unknown>,
): PreparedFields {
  const byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]));
  const out: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const field = byName.get(name.toLowerCase());
    if (!field || typeof value !== "string") {
      out[name] = value;
      continue;
    }
    let text = field.type === "phone" ? toE164(value) : value;
    if (CUTTABLE.has(field.type) && field.length > 0) {
      const trimmed = text.trim();
      if (trimmed.length > field.length) {
        // Salesforce counts UTF-16 units (an emoji is two, help article 005166849); cut between
        // whole characters, never inside an emoji or a letter with its accent.
        text = cutText(trimmed, field.length);
        notes.push(
          `${field.name} was cut from ${trimmed.length} to ${text.length} characters to fit its length in Salesforce (${field.length}).`,
        );
      }
    }
    out[name] = text;
  }
  return { fields: out, notes };
}

/**
 * E.164 (`+16315551181`) when the number carries its country code; anything that cannot be
 * parsed (no `+`, an extension-only text) is kept as the customer wrote it.
 */
export function toE164(value: string): string {
  return possibleE164(value.trim()) ?? value;
}

/**
 * The action's couple of lines: describe (cached) then shape. When describe fails the values go
 * as rendered and Salesforce's own answer decides; the record is not held back for a nicety.
 */
export async function prepareFields(
  describes: DescribeCache,
  client: SalesforceClient,
  object: string,
  fields: Record<string, unknown>,
  log: ConnectorDeps["log"],
): Promise<PreparedFields> {
  try {
    return prepareFieldValues(await describes.get(client, object), fields);
  } catch (error) {
    log.warn({ object, err: error }, "salesforce: describe failed; sending the values unshaped");
    return { fields, notes: [] };
  }
}
