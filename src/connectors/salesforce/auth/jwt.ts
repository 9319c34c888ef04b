import { createSign } from "node:crypto";
import type { SalesforceConfig } from "../config.js";

/**
 * The OAuth 2.0 JWT bearer assertion (reference/salesforce.md §1.2;
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm): claims
 * iss = consumer key, sub = username, aud = the login host, exp within 3 minutes; RS256 over
 * `base64url(header).base64url(claims)` with the private key of the app's certificate.
 */
const LIFETIME_S = 170; // Salesforce refuses an exp more than 3 minutes ahead; keep a margin for skew.

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function signJwtAssertion(config: SalesforceConfig, now: number): string {
  const header = b64url({ alg: "RS256" });
  const claims = b64url({
    iss: config.clientId,
    sub: config.username,
    aud: config.loginUrl,
    exp: Math.floor(now / 1000) + LIFETIME_S,
  });
  const input = `${header}.${claims}`;
  const signature = createSign("RSA-SHA256")
    .update(input)
    .sign(config.privateKey ?? "")
    .toString("base64url");
  return `${input}.${signature}`;
}
