import { createHmac } from "node:crypto";
import type { ServerResponse } from "node:http";
import { sendJson } from "./http.js";
import type { ConnectedApp, EmulatorState } from "./state.js";

/** Token issuing shared by the grants. Wire facts: reference/salesforce.md §1.3–1.5. */
type TokenError = { status: 400; error: string; description: string };

export const ERR = {
  unknownClient: { status: 400, error: "invalid_client_id", description: "client identifier invalid" },
  badSecret: { status: 400, error: "invalid_client", description: "invalid client credentials" },
  badRefreshToken: { status: 400, error: "invalid_grant", description: "expired access/refresh token" },
  // The integration user locked (too many failed logins, or by an admin): reference §1.5.
  userLocked: { status: 400, error: "invalid_grant", description: "user is locked" },
  // Winter '25+: a second refresh of the same token while one is processed (segmentio PR #2300).
  busy: { status: 400, error: "invalid_grant", description: "token request is already being processed" },
  unsupportedGrant: { status: 400, error: "unsupported_grant_type", description: "grant type not supported" },
  missingGrant: { status: 400, error: "invalid_request", description: "grant type is missing" },
  badCode: { status: 400, error: "invalid_grant", description: "expired authorization code" },
  // PKCE (intro_understanding_web_server_oauth_flow.htm, reference §1.1): a wrong verifier is
  // invalid_request, a missing one invalid_grant; the wording is the one observed (n8n #18913).
  wrongVerifier: { status: 400, error: "invalid_request", description: "invalid code verifier" },
  missingVerifier: { status: 400, error: "invalid_grant", description: "invalid code verifier" },
  badRedirect: { status: 400, error: "invalid_grant", description: "redirect_uri must match configuration" },
  // Bad credentials, or the username-password flow blocked (orgs created since Summer '23).
  authFailure: { status: 400, error: "invalid_grant", description: "authentication failure" },
  notThisDomain: { status: 400, error: "invalid_grant", description: "request not supported on this domain" },
  noRunAsUser: { status: 400, error: "invalid_grant", description: "no client credentials user enabled" },
  badAssertion: { status: 400, error: "invalid_grant", description: "invalid assertion" },
  badAudience: { status: 400, error: "invalid_grant", description: "audience is invalid" },
  notApproved: { status: 400, error: "invalid_grant", description: "user hasn't approved this consumer" },
  // Revoke errors (§1.6).
  unsupportedTokenType: {
    status: 400,
    error: "unsupported_token_type",
    description: "unsupported token type",
  },
  invalidToken: { status: 400, error: "invalid_token", description: "invalid token" },
} as const satisfies Record<string, TokenError>;

export function sendTokenError(res: ServerResponse, e: TokenError): void {
  sendJson(res, e.status, { error: e.error, error_description: e.description });
}

export function issueAccessToken(state: EmulatorState, app: ConnectedApp, family: string | null): string {
  const token = `${state.org.id.slice(0, 15)}!${state.secret("AR", 72)}`;
  state.accessTokens.set(token, { clientId: app.clientId, family, isExpired: false });
  return token;
}

/** §1.3 success body; `signature` per §1.4 = base64(HMAC-SHA256(secret, id + issued_at)). No `expires_in`. */
export function tokenBody(state: EmulatorState, app: ConnectedApp, loginOrigin: string, accessToken: string) {
  const id = `${loginOrigin}/id/${state.org.id}/${state.user.id}`;
  const issuedAt = String(state.clock.now());
  const signature = createHmac("sha256", app.clientSecret)
    .update(id + issuedAt)
    .digest("base64");
  return {
    access_token: accessToken,
    signature,
    scope: "api refresh_token",
    instance_url: state.instanceOrigin,
    id,
    token_type: "Bearer",
    issued_at: issuedAt,
  };
}

/** Reusing a rotated-out refresh token revokes the current one and all its access tokens (§5). */
export function revokeFamily(state: EmulatorState, family: string): void {
  for (const grant of state.refreshTokens.values()) if (grant.family === family) grant.isRevoked = true;
  for (const access of state.accessTokens.values()) if (access.family === family) access.isExpired = true;
}

export function issueRefreshToken(state: EmulatorState, clientId: string, family?: string): string {
  const token = state.secret("5Aep861", 60);
  state.refreshTokens.set(token, {
    token,
    clientId,
    family: family ?? token,
    isRevoked: false,
    isRotatedOut: false,
  });
  return token;
}
