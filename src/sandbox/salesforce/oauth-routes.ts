import type { IncomingMessage, ServerResponse } from "node:http";
import { authorizationCodeGrant } from "./authorize.js";
import { clientCredentialsGrant, jwtBearerGrant, passwordGrant } from "./grants.js";
import { bearerToken, delay, readBody, sendJson, sendRaw, sendText } from "./http.js";
import type { ConnectedApp, EmulatorState, RefreshGrant } from "./state.js";
import { takeFault } from "./state.js";
import {
  ERR,
  issueAccessToken,
  issueRefreshToken,
  revokeFamily,
  sendTokenError,
  tokenBody,
} from "./tokens.js";

/**
 * OAuth endpoints: token (every grant; the ones without refresh token live in grants.ts),
 * identity URL and userinfo.
 * Wire facts: reference/salesforce.md §1.2–1.5, §1.7.
 */
/** Basic auth or form fields carry the client credentials. */
function clientCredentials(
  req: IncomingMessage,
  form: URLSearchParams,
): { id: string | null; secret: string | null } {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (basic?.[1]) {
    const [id, secret] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
    return { id: id ?? null, secret: secret ?? null };
  }
  return { id: form.get("client_id"), secret: form.get("client_secret") };
}

async function refreshGrant(
  state: EmulatorState,
  res: ServerResponse,
  app: ConnectedApp,
  form: URLSearchParams,
  loginOrigin: string,
): Promise<void> {
  const token = form.get("refresh_token") ?? "";
  state.refreshTokensSent.push(token);
  const grant: RefreshGrant | undefined = state.refreshTokens.get(token);
  if (!grant || grant.isRevoked || grant.clientId !== app.clientId)
    return sendTokenError(res, ERR.badRefreshToken);
  if (grant.isRotatedOut) {
    revokeFamily(state, grant.family);
    return sendTokenError(res, ERR.badRefreshToken);
  }
  // Refused while locked, kept: the same token works again once the user is unlocked.
  if (state.user.isLocked) return sendTokenError(res, ERR.userLocked);
  if (state.refreshesInFlight.has(token)) return sendTokenError(res, ERR.busy);
  state.refreshesInFlight.add(token);
  try {
    await delay(state.tokenLatencyMs);
  } finally {
    state.refreshesInFlight.delete(token);
  }
  if (grant.isRevoked) return sendTokenError(res, ERR.badRefreshToken);
  const body: Record<string, string> = tokenBody(
    state,
    app,
    loginOrigin,
    issueAccessToken(state, app, grant.family),
  );
  if (app.rotatesRefreshTokens) {
    grant.isRotatedOut = true;
    body.refresh_token = issueRefreshToken(state, app.clientId, grant.family);
  }
  sendJson(res, 200, body);
}

export async function handleToken(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  loginOrigin: string,
): Promise<void> {
  const form = new URLSearchParams(await readBody(req));
  const grantType = form.get("grant_type");
  state.grantTypes.push(grantType ?? "");
  const fault = takeFault(state, "token");
  if (fault) return sendRaw(res, fault.status, fault.body, fault.contentType);
  if (!grantType) return sendTokenError(res, ERR.missingGrant);
  const known = ["refresh_token", "client_credentials", "authorization_code", "password", JWT_BEARER];
  if (!known.includes(grantType)) return sendTokenError(res, ERR.unsupportedGrant);
  // The assertion names the app (`iss`): no client_id or secret in this grant (§1.2).
  if (grantType === JWT_BEARER) return jwtBearerGrant(state, res, form, loginOrigin);
  const client = clientCredentials(req, form);
  const app = client.id ? state.apps.get(client.id) : undefined;
  if (!app) return sendTokenError(res, ERR.unknownClient);
  // A wrong or missing secret gives the same answer (verified on a real DE org, §1.5).
  if (client.secret !== app.clientSecret) return sendTokenError(res, ERR.badSecret);
  if (grantType === "refresh_token") return refreshGrant(state, res, app, form, loginOrigin);
  if (grantType === "authorization_code") return authorizationCodeGrant(state, res, app, form, loginOrigin);
  if (grantType === "password") return passwordGrant(state, res, app, form, loginOrigin);
  return clientCredentialsGrant(state, res, app, loginOrigin);
}

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

function validAccess(state: EmulatorState, req: IncomingMessage, url: URL): boolean {
  const token = bearerToken(req) ?? url.searchParams.get("oauth_token");
  const grant = token ? state.accessTokens.get(token) : undefined;
  return grant !== undefined && !grant.isExpired;
}

function apiUrls(instance: string, orgId15: string, userId: string, version: string) {
  return {
    enterprise: `${instance}/services/Soap/c/${version}/${orgId15}`,
    metadata: `${instance}/services/Soap/m/${version}/${orgId15}`,
    partner: `${instance}/services/Soap/u/${version}/${orgId15}`,
    rest: `${instance}/services/data/v${version}/`,
    sobjects: `${instance}/services/data/v${version}/sobjects/`,
    search: `${instance}/services/data/v${version}/search/`,
    query: `${instance}/services/data/v${version}/query/`,
    recent: `${instance}/services/data/v${version}/recent/`,
    tooling_soap: `${instance}/services/Soap/T/${version}/${orgId15}`,
    tooling_rest: `${instance}/services/data/v${version}/tooling/`,
    profile: `${instance}/${userId}`,
    custom_domain: instance,
  };
}

/**
 * `GET /id/{orgId}/{userId}` — the identity URL (Using Identity URLs,
 * https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-using-identity-urls.html).
 * An expired token gets 403 `Bad_OAuth_Token`, not the REST API's 401 (jsforce PR #736).
 */
export function handleIdentity(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL) {
  const fault = takeFault(state, "identity");
  if (fault) return sendRaw(res, fault.status, fault.body, fault.contentType);
  if (!validAccess(state, req, url)) return sendText(res, 403, "Bad_OAuth_Token", "text/plain;charset=UTF-8");
  const [, , orgId, userId] = url.pathname.split("/");
  if (orgId !== state.org.id || userId !== state.user.id) {
    return sendText(res, 404, "Not Found", "text/plain;charset=UTF-8");
  }
  const { user, org, instanceOrigin } = state;
  sendJson(res, 200, {
    id: `${url.origin}/id/${org.id}/${user.id}`,
    asserted_user: true,
    user_id: user.id,
    organization_id: org.id,
    username: user.username,
    nick_name: user.username.split("@")[0],
    display_name: user.displayName,
    email: user.email,
    email_verified: true,
    first_name: user.firstName,
    last_name: user.lastName,
    timezone: "Europe/London",
    photos: {
      picture: `${instanceOrigin}/profilephoto/005/F`,
      thumbnail: `${instanceOrigin}/profilephoto/005/T`,
    },
    addr_street: null,
    addr_city: null,
    addr_state: null,
    addr_country: null,
    addr_zip: null,
    mobile_phone: null,
    mobile_phone_verified: false,
    is_lightning_login_user: false,
    status: { created_date: null, body: null },
    // Without `?version=` the URLs carry the literal `{version}` placeholder.
    urls: apiUrls(
      instanceOrigin,
      org.id.slice(0, 15),
      user.id,
      url.searchParams.get("version") ?? "{version}",
    ),
    active: true,
    user_type: "STANDARD",
    language: "en_US",
    locale: "en_GB",
    utcOffset: 0,
    last_modified_date: new Date(state.clock.now()).toISOString().replace("Z", "+0000"),
    is_app_installed: true,
  });
}

/** `GET /services/oauth2/userinfo` — OpenID Connect shaped variant of the identity data. */
export function handleUserinfo(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL) {
  if (!validAccess(state, req, url)) return sendText(res, 403, "Bad_OAuth_Token", "text/plain;charset=UTF-8");
  const { user, org, instanceOrigin } = state;
  sendJson(res, 200, {
    sub: `${url.origin}/id/${org.id}/${user.id}`,
    user_id: user.id,
    organization_id: org.id,
    preferred_username: user.username,
    nickname: user.username.split("@")[0],
    name: user.displayName,
    email: user.email,
    email_verified: true,
    given_name: user.firstName,
    family_name: user.lastName,
    zoneinfo: "Europe/London",
    urls: apiUrls(
      instanceOrigin,
      org.id.slice(0, 15),
      user.id,
      url.searchParams.get("version") ?? "{version}",
    ),
    active: true,
    user_type: "STANDARD",
    language: "en_US",
    locale: "en_GB",
    utcOffset: 0,
  });
}
