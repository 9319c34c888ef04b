import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { isSecureUrl, SECURE_URL_RULE } from "../../core/secure-url.js";
import type { StoredToken } from "../connector.js";
import type { SalesforceConfig } from "./config.js";
import { networkError, parseJson, tokenError } from "./errors.js";

/**
 * OAuth 2.0 refresh-token grant: `POST {loginUrl}/services/oauth2/token`, form-encoded
 * (reference/salesforce.md §1.2; https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_refresh_token_oauth.htm).
 * The answer has no `expires_in` (§1.3): a token is used until the API says INVALID_SESSION_ID.
 */
export interface TokenGrant {
  token: StoredToken;
  /** Identity URL `…/id/{orgId}/{userId}` from the response. */
  identityUrl: string | undefined;
}

const TOKEN_TIMEOUT_MS = 30_000;

interface TokenResponse {
  access_token?: unknown;
  instance_url?: unknown;
  issued_at?: unknown;
  id?: unknown;
  refresh_token?: unknown;
}

export async function refreshAccessToken(
  fetch: FetchLike,
  config: SalesforceConfig,
  refreshToken: string,
  now: number,
): Promise<TokenGrant> {
  const url = `${config.loginUrl}/services/oauth2/token`;
  const form = new URLSearchParams({
    grant_type: "refresh_token",
    client_id: config.clientId,
    client_secret: config.clientSecret,
    refresh_token: refreshToken,
  });
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: form.toString(),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (cause) {
    throw networkError(cause, config.loginUrl, false);
  }
  const secrets = [config.clientSecret, refreshToken];
  if (!response.ok) throw tokenError(response.status, response.headers.get("content-type"), text, secrets);
  const body = parseJson(text) as TokenResponse | undefined;
  if (typeof body?.access_token !== "string" || typeof body.instance_url !== "string") {
    // A 200 that isn't a token (e.g. an HTML login page) means the login URL isn't a token endpoint.
    throw tokenError(response.status, response.headers.get("content-type"), text, secrets);
  }
  const issuedAt = Number(body.issued_at);
  const token: StoredToken = {
    accessToken: body.access_token,
    // Always keep the instance from the latest response: orgs move (jsforce #196, n8n #34916).
    instanceUrl: body.instance_url.replace(/\/+$/, ""),
    issuedAt: Number.isFinite(issuedAt) ? issuedAt : now,
  };
  // With refresh-token rotation the old token is now invalid: later refreshes must use this one.
  if (typeof body.refresh_token === "string" && body.refresh_token !== "")
    token.refreshToken = body.refresh_token;
  // The access token is sent to instance_url on every call: refuse (and never store) a token
  // whose instance is not https, whatever the login host said.
  if (!/^https?:\/\//.test(token.instanceUrl) || !isSecureUrl(token.instanceUrl)) {
    throw new AppError(
      "SALESFORCE_AUTH_FAILED",
      `Salesforce returned a token whose instance_url is not usable: the instance URL ${SECURE_URL_RULE}. Check that the login URL is a real Salesforce login host.`,
      { details: { instanceUrl: token.instanceUrl.slice(0, 200) } },
    );
  }
  return { token, identityUrl: typeof body.id === "string" ? body.id : undefined };
}
