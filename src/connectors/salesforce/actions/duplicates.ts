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

export async function withDuplicatePolicy<T>(
  policy: OnDuplicate,
  write: (options: WriteOptions) => Promise<T>,
): Promise<DuplicateOutcome<T>> {
  try {
    return { kind: "saved", result: await write({}) };
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code !== "SALESFORCE_DUPLICATE" || policy === "fail") throw appError;
    const details = appError.details ?? {};
    if (policy === "useExisting") {
      const id = (details.duplicateIds as string[] | undefined)?.[0];
      if (id) return { kind: "existing", id };
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
