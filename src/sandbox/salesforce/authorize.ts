import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { delay, sendJson, sendText } from "./http.js";
import type { ConnectedApp, EmulatorState } from "./state.js";
import { ERR, issueAccessToken, issueRefreshToken, sendTokenError, tokenBody } from "./tokens.js";

/**
 * Web-server flow: `GET /services/oauth2/authorize` approves at once (no login page) and redirects
 * with a code; `grant_type=authorization_code` exchanges it. Codes are single-use, expire after
 * 15 minutes and are bound to client, redirect_uri and PKCE challenge (reference/salesforce.md §1.1).
 */
const CODE_TTL_MS = 15 * 60_000;

function errorPage(res: ServerResponse, text: string): void {
  sendText(res, 400, `<html><body><h1>error</h1><p>${text}</p></body></html>`, "text/html;charset=UTF-8");
}

export function handleAuthorize(state: EmulatorState, res: ServerResponse, url: URL) {
  const q = url.searchParams;
  const app = state.apps.get(q.get("client_id") ?? "");
  const redirectUri = q.get("redirect_uri") ?? "";
  // Without a known app and a matching callback there is nowhere safe to redirect: show a page.
  if (!app) return errorPage(res, "error=invalid_client_id&error_description=client identifier invalid");
  if (
    !/^https?:\/\//.test(redirectUri) ||
    (app.callbackUrl !== undefined && app.callbackUrl !== redirectUri)
  ) {
    return errorPage(
      res,
      "error=redirect_uri_mismatch&error_description=redirect_uri must match configuration",
    );
  }
  const target = new URL(redirectUri);
  const appState = q.get("state");
  if (appState !== null) target.searchParams.set("state", appState);
  if (q.get("response_type") !== "code") {
    target.searchParams.set("error", "unsupported_response_type");
    target.searchParams.set("error_description", "response type not supported");
  } else {
    const code = state.secret("aPrx", 48);
    state.authCodes.set(code, {
      clientId: app.clientId,
      redirectUri,
      codeChallenge: q.get("code_challenge"),
      scope: q.get("scope") ?? "api refresh_token",
      expiresAt: state.clock.now() + CODE_TTL_MS,
    });
    target.searchParams.set("code", code);
  }
  res.writeHead(302, { Location: target.toString() });
  res.end();
}

const base64url = (buffer: Buffer) => buffer.toString("base64url");

export async function authorizationCodeGrant(
  state: EmulatorState,
  res: ServerResponse,
  app: ConnectedApp,
  form: URLSearchParams,
  loginOrigin: string,
): Promise<void> {
  const code = form.get("code") ?? "";
  const grant = state.authCodes.get(code);
  state.authCodes.delete(code);
  if (!grant || grant.clientId !== app.clientId || grant.expiresAt < state.clock.now()) {
    return sendTokenError(res, ERR.badCode);
  }
  if (form.get("redirect_uri") !== grant.redirectUri) return sendTokenError(res, ERR.badRedirect);
  if (grant.codeChallenge !== null) {
    const verifier = form.get("code_verifier") ?? "";
    const challenge = base64url(createHash("sha256").update(verifier).digest());
    if (verifier === "") return sendTokenError(res, ERR.missingVerifier);
    if (challenge !== grant.codeChallenge) return sendTokenError(res, ERR.wrongVerifier);
  }
  await delay(state.tokenLatencyMs);
  const refreshToken = issueRefreshToken(state, app.clientId);
  const family = state.refreshTokens.get(refreshToken)?.family ?? null;
  const body: Record<string, string> = tokenBody(
    state,
    app,
    loginOrigin,
    issueAccessToken(state, app, family),
  );
  body.scope = grant.scope;
  // A refresh token only when the scope asks for one (§1.2).
  if (/\b(refresh_token|offline_access)\b/.test(grant.scope)) body.refresh_token = refreshToken;
  sendJson(res, 200, body);
}
