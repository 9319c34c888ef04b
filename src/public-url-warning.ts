import { isLoopbackHost, parseUrl } from "./core/secure-url.js";

/**
 * TERN_PUBLIC_URL on plain http for a host other than loopback. The OAuth callback URL and the
 * webhook URLs are built from it, and Salesforce accepts only an https:// callback URL (plain
 * http on localhost alone, for development), as most providers do for callbacks and webhooks:
 * the setup would fail later, at the provider, with its own words. Only a warning: a TLS proxy
 * may come later, and a test on a private network may need no provider.
 */
export function publicUrlWarning(publicUrl: string | undefined): string | null {
  const url = publicUrl === undefined ? null : parseUrl(publicUrl);
  if (url?.protocol !== "http:" || isLoopbackHost(url.hostname)) return null;
  return `Warning: TERN_PUBLIC_URL is plain http:// (${url.origin}). Salesforce accepts only https:// callback URLs (plain http only on localhost), and most providers require https for callbacks and webhooks: serve Tern over TLS (e.g. behind a reverse proxy) and set TERN_PUBLIC_URL to its https:// address.`;
}
