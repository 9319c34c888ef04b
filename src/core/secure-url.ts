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

/** https:, or http: on a loopback host. Anything unparsable is not secure. */
export function isSecureUrl(value: string | URL): boolean {
  let url: URL;
  try {
    url = typeof value === "string" ? new URL(value) : value;
  } catch {
    return false;
  }
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}

export const SECURE_URL_RULE =
  "must use https:// (plain http is only allowed for loopback: localhost, 127.0.0.0/8, [::1])";
