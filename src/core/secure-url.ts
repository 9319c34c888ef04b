import { z } from "zod";
/**
 * Base URLs that Tern sends credentials to (provider APIs, Salesforce login and instance hosts)
 * must be https: a bearer token or client secret over plain http can be read by anyone on the
 * path. Loopback is the exception, for the sandbox emulators and tests.
 */
export function isLoopbackHost(hostname: string): boolean {
  // WHATWG URL has already normalised 127.1 / 0x7f000001 to dotted quads and kept [] around IPv6.
  return (
    hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/** The URL, or null for text that is not one. */
export function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** https:, or http: on a loopback host. Anything unparsable is not secure. */
export function isSecureUrl(value: string | URL): boolean {
  const url = typeof value === "string" ? parseUrl(value) : value;
  if (url === null) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}

/**
 * A secure URL that a path can be appended to: no `user:password@` (sent along, and shown
 * wherever the URL is), no query or fragment (a `#` swallows the path appended after it).
 */
export function isSecureBaseUrl(value: string | URL): boolean {
  const url = typeof value === "string" ? parseUrl(value) : value;
  return url !== null && isSecureUrl(url) && !url.username && !url.password && !url.search && !url.hash;
}

export const SECURE_URL_RULE =
  "must use https:// (plain http is only allowed for loopback: localhost, 127.0.0.0/8, [::1])";

/**
 * A provider API's base address (`apiBaseUrl`): secure as above, and one a request path can be
 * appended to: no `user:password@` (it would be sent along, and echoed in the config), no query
 * or fragment (`…?x=1/v23.0/…`). A path prefix stays allowed (a proxy). `versionSetting`: the
 * API version is a setting of its own, so a pasted `…/v23.0` (as Meta's docs show URLs) is
 * refused with that fix instead of sending to `/v23.0/v23.0/…`.
 */
export function baseUrlField(field: string, options: { versionSetting?: string } = {}) {
  return z
    .url({ protocol: /^https?$/ })
    .refine((v) => isSecureUrl(v), { message: `${field} ${SECURE_URL_RULE}` })
    .refine((v) => !isSecureUrl(v) || isSecureBaseUrl(v), {
      message: `${field} is a base address: no user:password@, no ?query and no #fragment`,
    })
    .refine(
      (v) => options.versionSetting === undefined || !/\/v\d+(\.\d+)?\/?$/.test(parseUrl(v)?.pathname ?? ""),
      {
        message: `${field} ends before the API version (e.g. https://graph.facebook.com): the version is its own setting, ${options.versionSetting}`,
      },
    );
}
