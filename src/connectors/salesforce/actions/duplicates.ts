import { z } from "zod";
import { AppError, toAppError } from "../../../core/app-error.js";
import type { WriteOptions } from "../client.js";

/**
 * What a create/update/upsert does when a duplicate rule answers DUPLICATES_DETECTED
 * (reference §2.1, §3; https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_duplicaterules.htm):
 * - `fail` (default): the step fails with the rule's message;
 * - `useExisting`: the step succeeds with the first matching record from `duplicateResult`;
 * - `allowSave`: resend once with `Sforce-Duplicate-Rule-Header: allowSave=true`. Only alert-type
 *   rules (`allowSave: true` in duplicateResult) can be bypassed; a blocking rule still fails.
 */
export const OnDuplicate = z
  .enum(["fail", "useExisting", "allowSave"])
  .describe("When a Salesforce duplicate rule matches: fail, use the matching record, or save anyway");
export type OnDuplicate = z.infer<typeof OnDuplicate>;

export type DuplicateOutcome<T> = { kind: "saved"; result: T } | { kind: "existing"; id: string };

/**
 * `object`: the step's sObject. `useExisting` takes the first match of that object only: the
 * standard Lead rule also matches Contacts, and a Contact's id is no Lead for the steps after.
 */
export async function withDuplicatePolicy<T>(
  policy: OnDuplicate,
  object: string,
  write: (options: WriteOptions) => Promise<T>,
): Promise<DuplicateOutcome<T>> {
  try {
    return { kind: "saved", result: await write({}) };
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code !== "SALESFORCE_DUPLICATE" || policy === "fail") throw appError;
    const details = appError.details ?? {};
    if (policy === "useExisting") {
      const matches =
        (details.duplicateMatches as Array<{ id: string; object: string | null }> | undefined) ?? [];
      const same = matches.find((m) => m.object === null || m.object.toLowerCase() === object.toLowerCase());
      if (same) return { kind: "existing", id: same.id };
      const others = [...new Set(matches.map((m) => m.object))];
      if (others.length > 0)
        throw new AppError(
          "SALESFORCE_DUPLICATE",
          `${appError.message} The duplicate rule matched ${others.join(" and ")} records, not a ${object}, so "useExisting" has no ${object} to use; their ids are in steps.<id>.error.duplicateIds.`,
          { details, cause: error },
        );
      throw new AppError(
        "SALESFORCE_DUPLICATE",
        `${appError.message} The duplicate rule named no matching record Tern could use; ask the admin to let the rule report its matches, or use onDuplicate "allowSave" for an alert rule.`,
        { details, cause: error },
      );
    }
    if (details.allowSave !== true) {
      throw new AppError(
        "SALESFORCE_DUPLICATE",
        `${appError.message} This duplicate rule blocks saving (its action is "Block"), so "allowSave" can't bypass it: use onDuplicate "useExisting", or ask the admin to set the rule's action to "Allow" with an alert.`,
        { details, cause: error },
      );
    }
    return { kind: "saved", result: await write({ allowSave: true }) };
  }
}
