import { z } from "zod";
import { isSecureUrl, SECURE_URL_RULE } from "../../core/secure-url.js";

/** Config fields every Meta product shares. Where to find each value: docs/channels/<type>.md. */

/** Graph API host; the access token goes there, so https (loopback excepted: the simulator). */
export function apiBaseUrl(defaultUrl: string) {
  return z
    .url({ protocol: /^https?$/ })
    .refine((v) => isSecureUrl(v), { message: `apiBaseUrl ${SECURE_URL_RULE}` })
    .default(defaultUrl);
}

export const apiVersion = z
  .string()
  .regex(/^v\d+\.\d+$/, 'apiVersion looks like "v23.0"')
  .default("v23.0");

/** A numeric Graph id (Page id, Instagram account id), not a name or a URL. */
export function graphId(what: string) {
  return z.string().regex(/^\d{1,32}$/, `${what} is the numeric id Meta shows, not a name or a URL`);
}
