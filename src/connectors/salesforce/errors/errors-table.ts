import type { ErrorRow, TokenGrant } from "./error-row.js";
import { CLIENT_ROWS, HTTP_ROWS, REFRESH_ROWS } from "./error-rows-auth.js";
import { CODE_ROWS, LOGIN_ROWS } from "./error-rows-grants.js";
import { REST_ROWS } from "./error-rows-rest.js";

export type { ErrorMatch, ErrorRow, RunBehaviour, SayContext, TokenGrant } from "./error-row.js";

/**
 * THE table of Salesforce errors: every documented answer (reference/salesforce.md §1.5 token
 * endpoint, §3 REST data API, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 * and https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm) mapped to
 * whether it is transient, what the run does, and the sentence a person sees. `errors.ts` maps
 * with it; `docs/salesforce-errors.md` and the README are rendered from it (errors-docs.ts) and a
 * test keeps them equal.
 */

/** What a run does when a Salesforce step meets the error. */
export const ERROR_TABLE: ReadonlyArray<ErrorRow> = [
  ...REST_ROWS,
  ...HTTP_ROWS,
  ...REFRESH_ROWS,
  ...LOGIN_ROWS,
  ...CODE_ROWS,
  ...CLIENT_ROWS,
];

/** The row for a REST error element. */
export function restRow(errorCode: string, message: string): ErrorRow | undefined {
  return ERROR_TABLE.find(
    (r) =>
      r.match.kind === "rest" &&
      r.match.errorCode === errorCode &&
      (!r.match.message || r.match.message.test(message)),
  );
}

/** The row for a token endpoint `{error, error_description}` answered to `grant`'s request. */
export function tokenRow(error: string, description: string, grant: TokenGrant): ErrorRow | undefined {
  return ERROR_TABLE.find(
    (r) =>
      r.match.kind === "token" &&
      r.match.error === error &&
      (!r.match.grants || r.match.grants.includes(grant)) &&
      (!r.match.description || r.match.description.test(description)),
  );
}

export function kindRow(kind: "html" | "network"): ErrorRow {
  return ERROR_TABLE.find((r) => r.match.kind === kind) as ErrorRow;
}

export function statusRow(status: number): ErrorRow | undefined {
  return ERROR_TABLE.find(
    (r) =>
      r.match.kind === "status" && (r.match.status === status || (r.match.status === "5xx" && status >= 500)),
  );
}
