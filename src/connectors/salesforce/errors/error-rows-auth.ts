import { type ErrorRow, grant, RECONNECT, restExample, tokenExample } from "./error-row.js";

/**
 * Answers without an error code (HTTP status, an HTML page, no answer) and the token endpoint's
 * `{error, error_description}` for a refresh and for any grant (reference §1.5,
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm); the other
 * grants' refusals are in error-rows-grants.ts.
 */
export const HTTP_ROWS: ErrorRow[] = [
  {
    // Any 401 means the session expired or is invalid (errorcodes.htm): refreshed once and
    // replayed (session.ts); this is the second one, whose body names no error code.
    match: { kind: "status", status: 401 },
    code: "SALESFORCE_SESSION_EXPIRED",
    isTransient: false,
    run: "reconnect",
    say: () =>
      `Salesforce rejected a freshly refreshed session (HTTP 401). Make sure the app's OAuth scopes include "api" and "refresh_token", then reconnect.`,
    example: { status: 401, on: "data", body: "", contentType: "text/plain" },
  },
  {
    match: { kind: "status", status: 410 },
    code: "SALESFORCE_REQUEST_FAILED",
    isTransient: false,
    run: "fail_step",
    say: (e) =>
      `This Salesforce API version is retired${e.message ? ` (${e.message})` : ""}: set the connection's apiVersion to 62.0 or newer.`,
    example: restExample(410, "API_VERSION_RETIRED", "API version 30.0 has been retired."),
  },
  {
    match: { kind: "html" },
    code: "SALESFORCE_REQUEST_FAILED",
    isTransient: false,
    run: "fail_step",
    say: () =>
      "Salesforce answered with a web page instead of JSON. Check the login URL: use https://login.salesforce.com, https://test.salesforce.com for sandboxes, or the org's My Domain (https://<domain>.my.salesforce.com) — not a Lightning or Setup page address.",
    example: {
      status: 404,
      on: "data",
      body: "<html><body><h1>URL No Longer Exists</h1></body></html>",
      contentType: "text/html;charset=UTF-8",
    },
  },
  {
    match: { kind: "status", status: "5xx" },
    code: "SALESFORCE_UNAVAILABLE",
    isTransient: true,
    run: "retry",
    say: (e) =>
      `Salesforce answered with a server error${e.message ? ` (${e.message})` : ""}. A create it may have saved first is looked up before it is tried again, so it is never made twice.`,
    example: { status: 502, on: "data", body: "Bad Gateway", contentType: "text/plain" },
  },
  {
    match: { kind: "network" },
    code: "NETWORK_ERROR",
    isTransient: true,
    run: "retry",
    say: () =>
      // Said by a run's step and by a connection's Test alike: "retrying" only of what retries.
      "Couldn't reach Salesforce (timeout, refused or cut connection): check the connection's login URL and the network. A run's step tries again with back-off, and a create whose answer was lost is looked up before it is tried again, so it is never made twice.",
    example: { status: 0, on: "data", body: null },
  },
];

/**
 * The refresh of a web server connection's access token (its runs and tests). Salesforce refusing
 * the refresh token means the consent behind it is gone: a new consent (reconnect) fixes it.
 */
export const REFRESH_ROWS: ErrorRow[] = [
  {
    // Winter '25+: a concurrent refresh of the same token (segmentio/action-destinations PR #2300).
    match: grant(/^token request is already being processed$/i, ["refresh_token"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: true,
    run: "retry",
    say: () =>
      "Salesforce is already refreshing this connection's token (another worker or app uses the same refresh token). Retrying shortly.",
    example: tokenExample("invalid_grant", "token request is already being processed"),
  },
  {
    match: grant(/^expired access\/refresh token$/i, ["refresh_token"]),
    code: "SALESFORCE_RECONNECT_REQUIRED",
    isTransient: false,
    run: "reconnect",
    say: () =>
      `Salesforce refused the refresh token (expired access/refresh token): it was revoked, expired by the app's refresh token policy, or replaced (a 6th approval of the same app revokes the oldest). ${RECONNECT} If it keeps expiring, set the app's refresh token policy to "Refresh token is valid until revoked".`,
    example: tokenExample("invalid_grant", "expired access/refresh token"),
  },
  {
    match: grant(/^inactive user$/i, ["refresh_token"]),
    code: "SALESFORCE_RECONNECT_REQUIRED",
    isTransient: false,
    run: "reconnect",
    say: () =>
      `The Salesforce integration user is inactive (inactive user): reactivate it or connect with another user. ${RECONNECT}`,
    example: tokenExample("invalid_grant", "inactive user"),
  },
  {
    // Any other invalid_grant: user locked, inactive org, IP restricted…
    match: grant(undefined, ["refresh_token"]),
    code: "SALESFORCE_RECONNECT_REQUIRED",
    isTransient: false,
    run: "reconnect",
    say: (e) =>
      `Salesforce refused the grant (${e.message || "invalid_grant"}). ${RECONNECT} If it keeps happening, check that the integration user is active and not locked and the app's policies.`,
    example: tokenExample("invalid_grant", "user is locked"),
  },
];

/**
 * The app itself refused, whatever the grant: its consumer key or secret in the connection's
 * settings. Fixed there (a PATCH clears the mark) or in Salesforce, not by a new consent.
 */
export const CLIENT_ROWS: ErrorRow[] = [
  {
    match: { kind: "token", error: "invalid_client_id" },
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "auth_failed",
    say: (e) =>
      `Salesforce doesn't know the app (${e.message || "invalid_client_id"}). Check the consumer key of the Connected App / External Client App, and that the login URL points at the org where the app lives (new apps take up to 10 minutes to work).`,
    example: tokenExample("invalid_client_id", "client identifier invalid"),
  },
  {
    match: { kind: "token", error: "invalid_client" },
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "auth_failed",
    say: (e) =>
      `Salesforce rejected the app credentials (${e.message || "invalid_client"}). Check the consumer key and consumer secret of the Connected App / External Client App.`,
    example: tokenExample("invalid_client", "invalid client credentials"),
  },
];
