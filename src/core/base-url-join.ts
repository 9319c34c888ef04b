/**
 * Where an `http` step's URL goes when the step names a connection: joined to the connection's
 * `baseUrl` as axios joins `baseURL` and `url`, and allowed only under it (the connection's
 * credentials go nowhere else). One rule for the worker (connectors/http), validation
 * (http.step.ts) and `tern flows test`, so what validates is what runs.
 *
 * - `/orders/42` is a path under the base: `https://api.example.com/v1` → `…/v1/orders/42`
 *   (the base's path kept, one slash between);
 * - `orders/42`, `?page=2` resolve against the base as relative URLs do (`…/v1/orders/42`);
 * - an absolute `https://…` URL is taken as written;
 * - a protocol-relative `//host/x` is refused: it names a host without a scheme, and never a
 *   path under the base;
 * - whatever the URL, the result must stay under the base: `..` segments that climb above it
 *   (`/../admin`, `%2e%2e`) are refused.
 */
export type JoinedUrl =
  | { ok: true; url: URL }
  | { ok: false; reason: "protocol-relative" | "invalid" | "outside"; url?: URL };

/** `https://api.example.com/v2` → the prefix every allowed URL starts with: `https://api.example.com/v2/`. */
export function basePrefix(baseUrl: string): URL {
  const base = new URL(baseUrl);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  base.search = "";
  base.hash = "";
  return base;
}

export function joinBaseUrl(baseUrl: string, url: string): JoinedUrl {
  const base = basePrefix(baseUrl);
  // URL parsers read "\" as "/" in http(s) URLs: "/\evil.example" is protocol-relative too.
  if (/^[/\\]{2}/.test(url)) return { ok: false, reason: "protocol-relative" };
  let target: URL;
  try {
    target = /^[/\\]/.test(url) ? new URL(base.href + url.slice(1)) : new URL(url, base);
  } catch {
    return { ok: false, reason: "invalid" };
  }
  return isUnder(target, base) ? { ok: true, url: target } : { ok: false, reason: "outside", url: target };
}

const STAND_IN_BASE = "https://base.invalid/base/";

/**
 * What no baseUrl could take, for a URL without a scheme (validation and `tern flows test`, which
 * know no base): joined to a stand-in base with a path, where ".." above it shows as outside.
 * Null when some base may take it; an absolute URL depends on the base, so it is null too.
 */
export function unjoinableProblem(url: string): string | null {
  if (hasScheme(url)) return null;
  const joined = joinBaseUrl(STAND_IN_BASE, url);
  if (joined.ok) return null;
  const shown = JSON.stringify(url.slice(0, 200));
  if (joined.reason === "protocol-relative")
    return `${shown} starts with //, which names another host, not a path under the connection's baseUrl; write a path such as /orders/42, or the whole URL https://…`;
  if (joined.reason === "outside")
    return `${shown} leaves the connection's baseUrl (its ".." segments climb above it); the connection's credentials go only to URLs under it, e.g. /orders/42`;
  return `${shown} is not a URL, e.g. /orders/42 (under the connection's baseUrl) or https://…`;
}

/** `https:…`, `mailto:…`: a URL that does not resolve against a base. */
export function hasScheme(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(url);
}

function isUnder(target: URL, base: URL): boolean {
  return (
    target.origin === base.origin &&
    (target.pathname.startsWith(base.pathname) || `${target.pathname}/` === base.pathname)
  );
}

/** Why a URL cannot be joined, for the run's error (HTTP_REQUEST_INVALID). */
export function joinProblem(baseUrl: string, url: string, joined: JoinedUrl & { ok: false }): string {
  const shown = JSON.stringify(url.slice(0, 200));
  const base = basePrefix(baseUrl).href;
  if (joined.reason === "protocol-relative")
    return `${shown} starts with // (a host without a scheme): this connection's URLs are paths under ${base}, e.g. /orders/42`;
  if (joined.reason === "invalid" || !joined.url) return `${shown} is not a valid URL`;
  return `This connection sends its credentials only to URLs under ${base}; the step's URL is on ${joined.url.host}${joined.url.pathname}`;
}
