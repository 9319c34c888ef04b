import { AFTER_FIX, type ErrorRow, grant, START_AGAIN, tokenExample } from "./error-row.js";

/**
 * `invalid_grant` of the grants that log in without a refresh token (password, JWT bearer, client
 * credentials) and of Connect's code exchange. Wire strings: reference/salesforce.md §1.5.
 * A login refused is fixed in the connection's settings or in Salesforce (a user's permission, the
 * app's policy): there is no consent to give again, so the code is `SALESFORCE_AUTH_FAILED` and
 * the mark "sign-in refused", never "reconnect required".
 */
const AUDIENCE_FIX =
  "set loginUrl to the host the user logs in to (https://login.salesforce.com, https://test.salesforce.com, or the org's My Domain — External Client Apps need the My Domain since Spring '26)";

export const LOGIN_ROWS: ErrorRow[] = [
  {
    match: grant(/^authentication failure$/i, ["password"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "auth_failed",
    say: () =>
      `Salesforce refused the username-password login (authentication failure). Check the username, the password and the security token (appended to the password; reset it under Settings → Reset My Security Token), and that the user's IP is allowed (or relax the app's IP restrictions). Orgs created since Summer '23 block this flow: Setup → OAuth and OpenID Connect Settings → "Allow OAuth Username-Password Flows"; the JWT bearer grant is the recommended replacement. ${AFTER_FIX}`,
    example: tokenExample("invalid_grant", "authentication failure"),
  },
  {
    match: grant(/^user hasn't approved this consumer$/i, ["jwt_bearer"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "auth_failed",
    say: () =>
      `The user is not pre-authorized for the app (user hasn't approved this consumer): in the app's policies set "Permitted Users" to "Admin approved users are pre-authorized" and add the user's profile or permission set to the app. ${AFTER_FIX}`,
    example: tokenExample("invalid_grant", "user hasn't approved this consumer"),
  },
  {
    match: grant(/^(audience is invalid|audience validation failed)$/i, ["jwt_bearer"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "auth_failed",
    say: (e) => `Salesforce refused the JWT audience (${e.message}): ${AUDIENCE_FIX}. ${AFTER_FIX}`,
    example: tokenExample("invalid_grant", "audience is invalid"),
  },
  {
    match: grant(/^invalid assertion$/i, ["jwt_bearer"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "auth_failed",
    say: () =>
      `Salesforce could not verify the JWT (invalid assertion): upload to the app the certificate that matches privateKey, check the username, and check that the server clock is right. ${AFTER_FIX}`,
    example: tokenExample("invalid_grant", "invalid assertion"),
  },
  {
    match: grant(/^request not supported on this domain$/i, ["client_credentials"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "auth_failed",
    say: () =>
      `Salesforce serves the client credentials flow only on the org's My Domain (request not supported on this domain): set loginUrl to https://<domain>.my.salesforce.com. ${AFTER_FIX}`,
    example: tokenExample("invalid_grant", "request not supported on this domain"),
  },
  {
    match: grant(/^no client credentials user enabled$/i, ["client_credentials"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "auth_failed",
    say: () =>
      `The app has no "Run As" user for the client credentials flow (no client credentials user enabled): in the app's policies tick "Enable Client Credentials Flow" and choose the integration user. ${AFTER_FIX}`,
    example: tokenExample("invalid_grant", "no client credentials user enabled"),
  },
  {
    // Any other: inactive or locked user, IP restricted, inactive org…
    match: grant(undefined, ["password", "jwt_bearer", "client_credentials"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "auth_failed",
    say: (e) =>
      `Salesforce refused the login (${e.message || "invalid_grant"}). Check the connection's settings, that the integration user is active and not locked, and the app's policies (docs/salesforce.md). ${AFTER_FIX}`,
    example: tokenExample("invalid_grant", "inactive user"),
  },
];

/**
 * A code whose PKCE challenge the verifier Tern stored for this sign-in does not answer: the
 * causes people report are a sign-in finished on another host than the token request's, and two
 * sign-ins of one connection mixed up.
 */
const VERIFIER_REFUSED = `Usually the sign-in and the code exchange went to different hosts (login.salesforce.com, test.salesforce.com or a My Domain): set the connection's login URL to the host the user signs in on. Or the connection was started twice and the older link was used. ${START_AGAIN} Use the newest link and finish it in the same browser.`;

/** Connect's code exchange: the OAuth callback's page shows these; the state is used up. */
export const CODE_ROWS: ErrorRow[] = [
  {
    // The documented answer to a wrong verifier (intro_understanding_web_server_oauth_flow.htm,
    // reference §1.1): invalid_grant is for a missing one.
    match: {
      kind: "token",
      error: "invalid_request",
      description: /^invalid code verifier$/i,
      grants: ["authorization_code"],
    },
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "sign_in_page",
    say: () =>
      `Salesforce refused the PKCE code verifier for this sign-in (invalid code verifier). ${VERIFIER_REFUSED}`,
    example: tokenExample("invalid_request", "invalid code verifier"),
  },
  {
    // Seen from real orgs for a PKCE mismatch too (n8n #18913, reference §1.5).
    match: grant(/^invalid code verifier$/i, ["authorization_code"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "sign_in_page",
    say: () =>
      `Salesforce refused the PKCE code verifier for this sign-in (invalid code verifier). ${VERIFIER_REFUSED}`,
    example: tokenExample("invalid_grant", "invalid code verifier"),
  },
  {
    match: grant(/^expired authorization code$/i, ["authorization_code"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "sign_in_page",
    say: () =>
      `The authorization code expired or was already used (expired authorization code): codes last 15 minutes and work once. ${START_AGAIN}`,
    example: tokenExample("invalid_grant", "expired authorization code"),
  },
  {
    match: grant(undefined, ["authorization_code"]),
    code: "SALESFORCE_AUTH_FAILED",
    isTransient: false,
    run: "sign_in_page",
    say: (e) =>
      `Salesforce refused the sign-in (${e.message || "invalid_grant"}). ${START_AGAIN} If it happens again, check the app's callback URL and policies and that the user is active (docs/salesforce.md).`,
    example: tokenExample("invalid_grant", "redirect_uri must match configuration"),
  },
];
