import type { FetchLike } from "../../../core/fetch.js";
import type { SalesforceConfig } from "../config.js";
import { parseJson, scrub } from "../errors/errors.js";

/**
 * `POST {loginUrl}/services/oauth2/revoke` with `token=` (reference/salesforce.md §1.6;
 * https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html):
 * 200 = revoked (a refresh token takes its access tokens with it); 400 `invalid_token` or
 * `unsupported_token_type` otherwise. Best-effort: never throws, says what happened.
 */
export interface RevokeOutcome {
  revoked: boolean;
  /** Why not, for the person (no token value). */
  reason?: string;
}

export async function revokeToken(
  fetch: FetchLike,
  config: SalesforceConfig,
  token: string,
): Promise<RevokeOutcome> {
  try {
    const response = await fetch(`${config.loginUrl}/services/oauth2/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.ok) return { revoked: true };
    // jsforce parses revoke errors as urlencoded; Salesforce answers JSON to Accept: application/json.
    const body = (parseJson(text) ?? Object.fromEntries(new URLSearchParams(text))) as {
      error?: unknown;
      error_description?: unknown;
    };
    const what = typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
    return { revoked: false, reason: scrub(`Salesforce answered ${what}`, [token]).slice(0, 200) };
  } catch (error) {
    return { revoked: false, reason: `Salesforce could not be reached (${(error as Error).name})` };
  }
}
