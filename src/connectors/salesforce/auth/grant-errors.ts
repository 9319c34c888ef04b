import { AppError, isAppError } from "../../../core/app-error.js";

/**
 * Token errors of the grants other than refresh_token, said for the person who configured that
 * grant (errors.ts `tokenError` speaks of refresh tokens). Wire strings: reference/salesforce.md §1.5.
 */
type Grant = "password" | "client_credentials" | "jwt_bearer" | "authorization_code";

const ADVICE: Record<Grant, Record<string, string>> = {
  password: {
    "authentication failure":
      'Salesforce refused the username-password login (authentication failure). Check the username, the password and the security token (appended to the password; reset it under Settings → Reset My Security Token). Orgs created since Summer \'23 block this flow: Setup → OAuth and OpenID Connect Settings → "Allow OAuth Username-Password Flows". The JWT bearer grant is the recommended replacement.',
  },
  client_credentials: {
    "request not supported on this domain":
      "Salesforce refuses the client credentials flow on login.salesforce.com and test.salesforce.com: set loginUrl to the org's My Domain (https://<domain>.my.salesforce.com).",
    "no client credentials user enabled":
      'The app has no "Run As" user for the client credentials flow: in the app\'s policies tick "Enable Client Credentials Flow" and choose the integration user.',
  },
  jwt_bearer: {
    "user hasn't approved this consumer":
      'The user is not pre-authorized for the app: set "Permitted Users" to "Admin approved users are pre-authorized" and add the user\'s profile or permission set to the app.',
    "audience is invalid":
      "Salesforce refused the JWT audience: set loginUrl to the host the user logs in to (https://login.salesforce.com, https://test.salesforce.com, or the org's My Domain — External Client Apps need the My Domain since Spring '26).",
    "Audience validation failed":
      "Salesforce refused the JWT audience: set loginUrl to the host the user logs in to (https://login.salesforce.com, https://test.salesforce.com, or the org's My Domain — External Client Apps need the My Domain since Spring '26).",
    "invalid assertion":
      "Salesforce could not verify the JWT: upload to the app the certificate that matches privateKey, and check that the server clock is right.",
  },
  authorization_code: {
    "invalid code verifier":
      "Salesforce refused the PKCE verifier for this code. Start the connection again.",
    "expired authorization code":
      "The authorization code expired or was already used. Start the connection again (codes last 15 minutes and work once).",
  },
};

export function grantError(error: unknown, grant: Grant): unknown {
  if (!isAppError(error) || error.details?.error !== "invalid_grant") return error;
  const description = String(error.details.error_description ?? "");
  const advice =
    ADVICE[grant][description] ??
    `Salesforce refused the ${grant} grant (${description || "invalid_grant"}). Check the connection's settings and the app's policies (docs/salesforce.md).`;
  // Keep what a flow branches on (`steps.<id>.error.salesforceCode`) and the retry hint.
  return new AppError("SALESFORCE_AUTH_FAILED", advice, {
    details: error.details,
    cause: error,
    retry: error.retry,
    ...(error.flowFields ? { flowFields: error.flowFields } : {}),
  });
}
