import { AppError } from "../../../core/app-error.js";
import type { ConnectorOAuth } from "../../connector.js";
import { isConnected, type SalesforceConfig } from "../config.js";
import { exchangeAuthorizationCode } from "./auth.js";
import { liveRefreshToken } from "./refresh-lineage.js";
import { revokeToken } from "./revoke.js";

/**
 * The web server flow with PKCE (reference/salesforce.md §1.1;
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm) and
 * revocation (§1.6). Every URL derives from `loginUrl`: a sandbox never lands on the production host.
 */
export const SCOPES = "api refresh_token";

export const salesforceOAuth: ConnectorOAuth<SalesforceConfig> = {
  grant: (config) => config.grant,
  isConnected,
  authorizeUrl(config, params) {
    if (config.grant !== "web_server") {
      throw new AppError(
        "CONFLICT",
        `This connection uses the ${config.grant} grant, which has no browser step: Tern logs in by itself. Test it with POST /api/v1/connections/<id>/test.`,
      );
    }
    const url = new URL(`${config.loginUrl}/services/oauth2/authorize`);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: config.clientId,
      redirect_uri: params.redirectUri,
      scope: SCOPES,
      state: params.state,
      code_challenge: params.codeChallenge,
      code_challenge_method: "S256",
    }).toString();
    return url.toString();
  },
  async exchangeCode(config, params, deps) {
    const result = await exchangeAuthorizationCode(deps.fetch, config, params, deps.clock.now());
    return { configPatch: { refreshToken: result.refreshToken }, token: result.token };
  },
  disconnectKeys: ["refreshToken"],
  async revoke(config, stored, deps) {
    // A refresh token takes its access tokens with it; the other grants only have an access token.
    // The live one is the grant refreshes use (refresh-lineage.ts); a stored rotated token of an
    // older grant (a refresh that raced a reconnect) is a working credential too: revoked after it.
    const live = liveRefreshToken(stored, config.refreshToken);
    const token = live ?? stored?.accessToken;
    if (!token) return { revoked: false, reason: "no token to revoke" };
    const outcome = await revokeToken(deps.fetch, config, token);
    const older = stored?.refreshToken;
    if (older && older !== token) await revokeToken(deps.fetch, config, older);
    return outcome;
  },
};
