import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../../../core/app-error.js";
import type { FetchLike } from "../../../core/fetch.js";
import { isSecureBaseUrl, SECURE_URL_RULE } from "../../../core/secure-url.js";
import type { StoredToken } from "../../connector.js";
import type { SalesforceConfig } from "../config.js";
import { networkError, parseJson, tokenError } from "../errors/errors.js";
import { grantError } from "./grant-errors.js";
import { signJwtAssertion } from "./jwt.js";

/**
 * OAuth 2.0 token requests: `POST {loginUrl}/services/oauth2/token`, form-encoded, one function
 * per grant (reference/salesforce.md §1.2; https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_refresh_token_oauth.htm).
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
  signature?: unknown;
}

/**
 * The identity URL is sent the access token (client.ts asks it who we are): only a secure base
 * address, like the instance's, and, when the answer is signed (HMAC-SHA256 of `id` + `issued_at`
 * keyed with the consumer secret, reference/salesforce.md §1.4), only with a signature that
 * verifies. Otherwise none: the userinfo endpoint on the instance answers instead.
 */
function trustedIdentityUrl(body: TokenResponse, clientSecret: string | undefined): string | undefined {
  if (typeof body.id !== "string" || !isSecureBaseUrl(body.id)) return undefined;
  if (typeof body.signature === "string" && clientSecret) {
    const expected = createHmac("sha256", clientSecret)
      .update(`${body.id}${typeof body.issued_at === "string" ? body.issued_at : ""}`)
      .digest();
    const given = Buffer.from(body.signature, "base64");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  }
  return body.id;
}

/** Sends one token request; `secrets` never appear in an error. */
async function postToken(
  fetch: FetchLike,
  config: SalesforceConfig,
  fields: Record<string, string>,
  secrets: string[],
  now: number,
): Promise<TokenGrant> {
  const url = `${config.loginUrl}/services/oauth2/token`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(fields).toString(),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (cause) {
    throw networkError(cause, config.loginUrl, false);
  }
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
  // whose instance is not an https base address, whatever the login host said. A user:password@
  // in it was stored, logged and sent; a #fragment swallowed the API path appended to it.
  if (!/^https?:\/\//.test(token.instanceUrl) || !isSecureBaseUrl(token.instanceUrl)) {
    throw new AppError(
      "SALESFORCE_AUTH_FAILED",
      `Salesforce returned a token whose instance_url is not usable: the instance URL ${SECURE_URL_RULE}, with no user:password@, ?query or #fragment. Check that the login URL is a real Salesforce login host.`,
    );
  }
  const identityUrl = trustedIdentityUrl(body, config.clientSecret);
  const org = identityUrl && orgOfIdentityUrl(identityUrl);
  if (org) token.accountId = org;
  return { token, identityUrl };
}

/** The org id of an identity URL `…/id/{orgId}/{userId}` (reference/salesforce.md §1.3). */
function orgOfIdentityUrl(url: string): string | undefined {
  const [, orgId] =
    new URL(url).pathname.match(/\/id\/(00D[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?)\/[^/]+\/?$/) ?? [];
  return orgId;
}

const secretsOf = (config: SalesforceConfig, ...more: Array<string | undefined>): string[] =>
  [config.clientSecret, config.refreshToken, config.password, config.securityToken, ...more].filter(
    (s): s is string => typeof s === "string",
  );

export function refreshAccessToken(
  fetch: FetchLike,
  config: SalesforceConfig,
  refreshToken: string,
  now: number,
): Promise<TokenGrant> {
  return postToken(
    fetch,
    config,
    {
      grant_type: "refresh_token",
      client_id: config.clientId,
      client_secret: config.clientSecret ?? "",
      refresh_token: refreshToken,
    },
    secretsOf(config, refreshToken),
    now,
  );
}

/**
 * A new session for the grants that need no refresh token: password (password + security token
 * appended, §1.2), client credentials (My Domain only) and JWT bearer (RS256 assertion, §1.2).
 * None returns a refresh token: Tern logs in again when the session expires.
 */
export async function loginWithoutRefreshToken(
  fetch: FetchLike,
  config: SalesforceConfig,
  now: number,
): Promise<TokenGrant> {
  let fields: Record<string, string>;
  if (config.grant === "password") {
    fields = {
      grant_type: "password",
      client_id: config.clientId,
      client_secret: config.clientSecret ?? "",
      username: config.username ?? "",
      password: `${config.password ?? ""}${config.securityToken ?? ""}`,
    };
  } else if (config.grant === "client_credentials") {
    fields = {
      grant_type: "client_credentials",
      client_id: config.clientId,
      client_secret: config.clientSecret ?? "",
    };
  } else if (config.grant === "jwt_bearer") {
    fields = {
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: signJwtAssertion(config, now),
    };
  } else {
    throw new AppError("SALESFORCE_RECONNECT_REQUIRED", "This connection has no refresh token yet.");
  }
  try {
    return await postToken(fetch, config, fields, secretsOf(config), now);
  } catch (error) {
    throw grantError(error, config.grant);
  }
}

/**
 * Web server flow, second leg: trades the authorization code (single-use, 15 min) for tokens,
 * proving the PKCE verifier (§1.1). `redirectUri` must be the one the authorize request used.
 */
export async function exchangeAuthorizationCode(
  fetch: FetchLike,
  config: SalesforceConfig,
  params: { code: string; redirectUri: string; codeVerifier: string },
  now: number,
): Promise<TokenGrant & { refreshToken: string }> {
  let grant: TokenGrant;
  try {
    grant = await postToken(
      fetch,
      config,
      {
        grant_type: "authorization_code",
        code: params.code,
        client_id: config.clientId,
        client_secret: config.clientSecret ?? "",
        redirect_uri: params.redirectUri,
        code_verifier: params.codeVerifier,
      },
      secretsOf(config, params.code, params.codeVerifier),
      now,
    );
  } catch (error) {
    throw grantError(error, "authorization_code");
  }
  const refreshToken = grant.token.refreshToken;
  if (!refreshToken) {
    throw new AppError(
      "SALESFORCE_AUTH_FAILED",
      'Salesforce connected but gave no refresh token. Add the "Perform requests at any time (refresh_token, offline_access)" scope to the app\'s OAuth scopes, then connect again.',
    );
  }
  const token = { ...grant.token };
  delete token.refreshToken;
  return { ...grant, token, refreshToken };
}
