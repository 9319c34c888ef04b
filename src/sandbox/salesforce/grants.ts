import { createVerify } from "node:crypto";
import type { ServerResponse } from "node:http";
import { delay, sendJson } from "./http.js";
import type { ConnectedApp, EmulatorState } from "./state.js";
import { ERR, issueAccessToken, sendTokenError, tokenBody } from "./tokens.js";

/**
 * The grants that return no refresh token — password, client credentials, JWT bearer — and
 * revocation. Wire facts: reference/salesforce.md §1.2 (fields), §1.5 (errors), §1.6 (revoke).
 */
export async function passwordGrant(
  state: EmulatorState,
  res: ServerResponse,
  app: ConnectedApp,
  form: URLSearchParams,
  loginOrigin: string,
): Promise<void> {
  const { user } = state;
  // The security token is appended to the password (§1.2); blocked orgs answer like a bad password.
  const isRight =
    form.get("username") === user.username &&
    form.get("password") === `${user.password}${user.securityToken}`;
  if (state.isPasswordFlowBlocked || !isRight) return sendTokenError(res, ERR.authFailure);
  await delay(state.tokenLatencyMs);
  const body: Record<string, string> = tokenBody(state, app, loginOrigin, issueAccessToken(state, app, null));
  // "no scopes either" (§1.2): the password flow answers without `scope` and never a refresh token.
  delete body.scope;
  sendJson(res, 200, body);
}

export async function clientCredentialsGrant(
  state: EmulatorState,
  res: ServerResponse,
  app: ConnectedApp,
  loginOrigin: string,
): Promise<void> {
  // Only the org's My Domain serves this flow (§0).
  if (state.hostKind !== "mydomain") return sendTokenError(res, ERR.notThisDomain);
  if (!app.hasRunAsUser) return sendTokenError(res, ERR.noRunAsUser);
  await delay(state.tokenLatencyMs);
  const body: Record<string, string> = tokenBody(state, app, loginOrigin, issueAccessToken(state, app, null));
  body.scope = "api";
  sendJson(res, 200, body);
}

function decodePart(part: string | undefined): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"));
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * JWT bearer: the app is found by `iss`; the RS256 signature must verify with the certificate
 * uploaded to the app; `aud` must be this host, `sub` a known, pre-authorized user and `exp` in
 * the future but no more than 3 minutes ahead (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm).
 */
export async function jwtBearerGrant(
  state: EmulatorState,
  res: ServerResponse,
  form: URLSearchParams,
  loginOrigin: string,
): Promise<void> {
  const [head, claimsPart, signature] = (form.get("assertion") ?? "").split(".");
  const header = decodePart(head);
  const claims = decodePart(claimsPart);
  if (!header || !claims || signature === undefined || header.alg !== "RS256")
    return sendTokenError(res, ERR.badAssertion);
  const app = state.apps.get(String(claims.iss ?? ""));
  if (!app) return sendTokenError(res, ERR.unknownClient);
  const isSigned =
    app.certificate !== undefined &&
    createVerify("RSA-SHA256")
      .update(`${head}.${claimsPart}`)
      .verify(app.certificate, Buffer.from(signature, "base64url"));
  if (!isSigned) return sendTokenError(res, ERR.badAssertion);
  if (claims.aud !== loginOrigin) return sendTokenError(res, ERR.badAudience);
  const nowS = state.clock.now() / 1000;
  const exp = typeof claims.exp === "number" ? claims.exp : Number.NaN;
  if (!(exp > nowS && exp <= nowS + 180 + 1)) return sendTokenError(res, ERR.badAssertion);
  if (claims.sub !== state.user.username) return sendTokenError(res, ERR.badAssertion);
  if (!app.isUserPreAuthorized) return sendTokenError(res, ERR.notApproved);
  await delay(state.tokenLatencyMs);
  const body: Record<string, string> = tokenBody(state, app, loginOrigin, issueAccessToken(state, app, null));
  delete body.signature;
  body.scope = "api";
  sendJson(res, 200, body);
}

/**
 * `POST /services/oauth2/revoke` (`token=` in the form, or the documented GET `?token=`): 200 with
 * an empty body; a refresh token takes its whole family of access tokens with it (§1.6).
 */
export function handleRevoke(state: EmulatorState, res: ServerResponse, token: string | null): void {
  state.revokeRequests += 1;
  if (!token) {
    sendTokenError(res, ERR.unsupportedTokenType);
    return;
  }
  const refresh = state.refreshTokens.get(token);
  const access = state.accessTokens.get(token);
  if (refresh && !refresh.isRevoked) {
    for (const grant of state.refreshTokens.values())
      if (grant.family === refresh.family) grant.isRevoked = true;
    for (const grant of state.accessTokens.values())
      if (grant.family === refresh.family) grant.isExpired = true;
  } else if (access && !access.isExpired) {
    access.isExpired = true;
  } else {
    sendTokenError(res, ERR.invalidToken);
    return;
  }
  res.writeHead(200, { "Content-Length": "0" });
  res.end();
}
