import { z } from "zod";
import { isSecureUrl, SECURE_URL_RULE } from "../../core/secure-url.js";

/**
 * Connection settings. `loginUrl` is the host tokens are requested from: login.salesforce.com
 * (production, Developer Edition), test.salesforce.com (sandboxes) or the org's My Domain
 * (https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html).
 */
function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

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

export const SalesforceConfig = z.object({
  loginUrl: LoginUrl.default("https://login.salesforce.com"),
  /** Consumer key of the Connected App / External Client App. */
  clientId: z.string().trim().min(1, "clientId (the app's consumer key) is required"),
  /** Consumer secret. Secret: encrypted at rest, never returned. */
  clientSecret: z.string().trim().min(1, "clientSecret (the app's consumer secret) is required"),
  /** Refresh token of the integration user. Secret. */
  refreshToken: z.string().trim().min(1, "refreshToken is required: connect the org to obtain one"),
  apiVersion: z
    .string()
    .trim()
    .overwrite((v) => v.replace(/^v/i, ""))
    .regex(/^\d+\.\d$/, 'apiVersion looks like "62.0"')
    .default("62.0"),
  /**
   * REQUEST_LIMIT_EXCEEDED pauses the connection (its runs wait, nothing is dropped): first for
   * this long, doubling while the limit holds, up to `limitPauseMaxMs` (docs/salesforce-errors.md).
   */
  limitPauseMs: z.number().int().min(100).max(86_400_000).default(300_000),
  limitPauseMaxMs: z.number().int().min(100).max(86_400_000).default(3_600_000),
});
export type SalesforceConfig = z.infer<typeof SalesforceConfig>;
