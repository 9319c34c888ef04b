import { createPrivateKey } from "node:crypto";
import { z } from "zod";
import { isSecureUrl, parseUrl, SECURE_URL_RULE } from "../../core/secure-url.js";
import { ExactlyOnceSettings } from "./create/exactly-once.js";

/**
 * Connection settings. `loginUrl` is the host tokens are requested from: login.salesforce.com
 * (production, Developer Edition), test.salesforce.com (sandboxes) or the org's My Domain
 * (https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html).
 */

export const LoginUrl = z
  .string()
  .trim()
  .refine((v) => parseUrl(v) !== null, {
    message: "loginUrl must be a URL such as https://login.salesforce.com",
  })
  .refine((v) => parseUrl(v) === null || isSecureUrl(v), { message: `loginUrl ${SECURE_URL_RULE}` })
  .refine((v) => !parseUrl(v)?.hostname.endsWith(".lightning.force.com"), {
    message:
      "loginUrl is a Lightning UI address; use the org's My Domain login host instead (https://<domain>.my.salesforce.com)",
  })
  // Only the origin matters: "https://login.salesforce.com/" and ".../services/oauth2/token" both work.
  .overwrite((v) => parseUrl(v)?.origin ?? v);

/**
 * How Tern gets tokens (reference/salesforce.md §1.2):
 * - `web_server`: the OAuth web server flow with PKCE (one click) or a pasted refresh token;
 * - `password`: username-password, legacy: blocked in orgs created since Summer '23, no refresh token;
 * - `client_credentials`: a "Run As" user, My Domain host only;
 * - `jwt_bearer`: an RS256-signed assertion with the app's certificate (recommended server-to-server).
 * Stored connections from before grants existed have no `grant`: they are `web_server`.
 */
export const SalesforceGrant = z.enum(["web_server", "password", "client_credentials", "jwt_bearer"]);
export type SalesforceGrant = z.infer<typeof SalesforceGrant>;

const optionalSecret = z.string().trim().min(1).optional();

/** login.salesforce.com and test.salesforce.com: shared login hosts, not an org's My Domain. */
export function isSharedLoginHost(loginUrl: string): boolean {
  const host = parseUrl(loginUrl)?.hostname ?? "";
  return host === "login.salesforce.com" || host === "test.salesforce.com";
}

function isRsaPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === "rsa";
  } catch {
    return false;
  }
}

const need = (ctx: z.RefinementCtx, path: string, message: string) =>
  ctx.addIssue({ code: "custom", path: [path], message });

export const SalesforceConfig = z
  .object({
    loginUrl: LoginUrl.default("https://login.salesforce.com"),
    grant: SalesforceGrant.default("web_server"),
    /** Consumer key of the Connected App / External Client App. */
    clientId: z.string().trim().min(1, "clientId (the app's consumer key) is required"),
    /** Consumer secret. Secret: encrypted at rest, never returned. Not used by `jwt_bearer`. */
    clientSecret: optionalSecret,
    /** Refresh token of the integration user (`web_server`); set by the OAuth callback. Secret. */
    refreshToken: optionalSecret,
    /** `password` and `jwt_bearer`: the integration user's username. */
    username: z.string().trim().min(1).optional(),
    /** `password`: the user's password. Secret. */
    password: z.string().min(1).optional(),
    /** `password`: the user's security token, appended to the password (§1.2). Secret. */
    securityToken: optionalSecret,
    /** `jwt_bearer`: PEM private key whose certificate is uploaded to the app. Secret. */
    privateKey: z.string().trim().min(1).optional(),
    apiVersion: z
      .string()
      .trim()
      .overwrite((v) => v.replace(/^v/i, ""))
      .regex(/^\d+\.\d$/, 'apiVersion looks like "62.0"')
      .default("62.0"),
    /** exactlyOnce, externalIdField, batchWindowMs: exactly-once.ts. */
    ...ExactlyOnceSettings.shape,
    /**
     * REQUEST_LIMIT_EXCEEDED pauses the connection (its runs wait, nothing is dropped): first for
     * this long, doubling while the limit holds, up to `limitPauseMaxMs` (docs/salesforce-errors.md).
     */
    limitPauseMs: z.number().int().min(100).max(86_400_000).default(300_000),
    limitPauseMaxMs: z.number().int().min(100).max(86_400_000).default(3_600_000),
  })
  .superRefine((c, ctx) => {
    if (c.grant !== "jwt_bearer" && !c.clientSecret)
      need(ctx, "clientSecret", "clientSecret (the app's consumer secret) is required");
    if ((c.grant === "password" || c.grant === "jwt_bearer") && !c.username)
      need(
        ctx,
        "username",
        `username (the integration user's Salesforce username) is required for ${c.grant}`,
      );
    if (c.grant === "password" && !c.password)
      need(ctx, "password", "password is required for the password grant");
    if (c.grant === "jwt_bearer" && !c.privateKey)
      need(
        ctx,
        "privateKey",
        "privateKey (PEM) is required for jwt_bearer: the key of the certificate uploaded to the app",
      );
    if (c.grant === "jwt_bearer" && c.privateKey && !isRsaPrivateKey(c.privateKey))
      need(
        ctx,
        "privateKey",
        "privateKey must be an RSA private key in PEM form (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)",
      );
    // Salesforce answers `request not supported on this domain` on the shared hosts (§0, §1.5).
    if (c.grant === "client_credentials" && isSharedLoginHost(c.loginUrl))
      need(
        ctx,
        "loginUrl",
        "client_credentials works only on the org's My Domain host (https://<domain>.my.salesforce.com): Salesforce refuses it on login.salesforce.com and test.salesforce.com",
      );
  });
export type SalesforceConfig = z.infer<typeof SalesforceConfig>;

/** Whether Tern can get a token without a person: everything but a web server flow not yet authorized. */
export function isConnected(config: SalesforceConfig): boolean {
  return config.grant !== "web_server" || config.refreshToken !== undefined;
}

/** Config keys holding secrets: encrypted at rest, never returned. */
export const SECRET_FIELDS = [
  "clientSecret",
  "refreshToken",
  "password",
  "securityToken",
  "privateKey",
] as const;
