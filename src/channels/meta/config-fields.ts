import { z } from "zod";
import { baseUrlField } from "../../core/secure-url.js";

/** Config fields every Meta product shares. Where to find each value: docs/channels/<type>.md. */

/** Graph API host; the access token goes there, so https (loopback excepted: the simulator). */
export function apiBaseUrl(defaultUrl: string) {
  return baseUrlField("apiBaseUrl", { versionSetting: "apiVersion" }).default(defaultUrl);
}

export const apiVersion = z
  .string()
  .regex(/^v\d+\.\d+$/, 'apiVersion looks like "v23.0"')
  .default("v23.0");

/** A numeric Graph id (Page id, Instagram account id), not a name or a URL. */
export function graphId(what: string) {
  return z.string().regex(/^\d{1,32}$/, `${what} is the numeric id Meta shows, not a name or a URL`);
}
