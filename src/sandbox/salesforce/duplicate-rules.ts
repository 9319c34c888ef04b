import type { IncomingMessage } from "node:http";
import type { ObjectDef } from "./metadata.js";
import { ApiFailure } from "./records.js";
import type { EmulatorState, StoredRecord } from "./state.js";

/**
 * Duplicate rules: a create or update whose values equal an existing record's on every match
 * field (trimmed, case-insensitive) is refused with DUPLICATES_DETECTED and a `duplicateResult`
 * (body per reference §3, as observed from real orgs). An alert rule (`allowSave: true`) lets the
 * save through when the request says `Sforce-Duplicate-Rule-Header: allowSave=true`
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_duplicaterules.htm);
 * a blocking rule never does.
 */
const ALERT_MESSAGE = "Use one of these records?";
const BLOCK_MESSAGE = "You're creating a duplicate record. We recommend you use an existing record instead.";

/** `allowSave=true; includeRecordDetails=true` → whether allowSave is on. */
export function headerAllowsSave(req: IncomingMessage): boolean {
  const header = req.headers["sforce-duplicate-rule-header"];
  const text = Array.isArray(header) ? header.join(";") : (header ?? "");
  return text
    .split(/[;,]/)
    .map((part) => part.trim().toLowerCase().replace(/\s+/g, ""))
    .includes("allowsave=true");
}

const normalized = (value: unknown) =>
  value === null || value === undefined ? null : String(value).trim().toLowerCase();

function matches(
  rule: { matchFields: ReadonlyArray<string> },
  candidate: Record<string, unknown>,
  record: StoredRecord,
) {
  return rule.matchFields.every((field) => {
    const wanted = normalized(candidate[field]);
    return wanted !== null && wanted !== "" && normalized(record.fields[field]) === wanted;
  });
}

/**
 * Throws DUPLICATES_DETECTED when a rule of `object` matches. `values` are the record's field
 * values after the write; `selfId` (update) is never its own duplicate.
 */
export function checkDuplicates(
  state: EmulatorState,
  object: ObjectDef,
  values: Record<string, unknown>,
  options: { isAllowSave: boolean; version: string; selfId?: string },
): void {
  for (const rule of state.duplicateRules) {
    if (rule.object.toLowerCase() !== object.name.toLowerCase()) continue;
    const targets = (rule.matchObjects ?? [rule.object]).map((name) => name.toLowerCase());
    const found = state.records.filter(
      (r) =>
        targets.includes(r.object.name.toLowerCase()) && r.id !== options.selfId && matches(rule, values, r),
    );
    if (found.length === 0) continue;
    const byObject = new Map<string, StoredRecord[]>();
    for (const r of found) byObject.set(r.object.name, [...(byObject.get(r.object.name) ?? []), r]);
    if (rule.allowSave && options.isAllowSave) continue;
    const message = rule.allowSave ? ALERT_MESSAGE : BLOCK_MESSAGE;
    throw new ApiFailure(400, [
      {
        duplicateResult: {
          allowSave: rule.allowSave,
          duplicateRule: rule.name,
          duplicateRuleEntityType: object.name,
          errorMessage: message,
          // One matchResult per object matched (the standard Lead rule: Leads, then Contacts).
          matchResults: [...byObject].map(([type, records]) => ({
            entityType: type,
            errors: [],
            matchEngine: "ExactMatchEngine",
            matchRecords: records.map((r) => ({
              additionalInformation: [],
              fieldDiffs: [],
              matchConfidence: 100.0,
              record: {
                attributes: {
                  type,
                  url: `/services/data/v${options.version}/sobjects/${type}/${r.id}`,
                },
                Id: r.id,
              },
            })),
            rule: type === object.name ? `${rule.name}_Match_Rule` : `${rule.name}_${type}_Match_Rule`,
            size: records.length,
            success: true,
          })),
        },
        errorCode: "DUPLICATES_DETECTED",
        message,
      },
    ]);
  }
}
