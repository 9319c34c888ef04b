import { isIP } from "node:net";

/** proxy-addr's named ranges, which Fastify's `trustProxy` accepts in a list. */
const NAMED_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * Why a TERN_TRUST_PROXY value is refused, or null. Not `true`: believing anyone's
 * X-Forwarded-For lets every client choose its address, and with it escape the sign-in lockout.
 */
export function trustProxyProblem(value: string): string | null {
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops >= 1 && hops <= 10 ? null : "a number of proxies from 1 to 10";
  }
  const bad = value
    .split(",")
    .map((item) => item.trim())
    .find((item) => !isProxyAddress(item));
  return bad === undefined
    ? null
    : `"${bad.slice(0, 60)}" is not an address, a CIDR range or one of loopback, linklocal, uniquelocal; give the proxies' addresses (127.0.0.1,10.0.0.0/8) or their number (1)`;
}

function isProxyAddress(item: string): boolean {
  if (NAMED_RANGES.has(item)) return true;
  const [address = "", prefix, ...rest] = item.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** What Fastify's `trustProxy` takes: the number of hops, or the list of trusted addresses. */
export function parseTrustProxy(value: string): number | string[] {
  return /^\d+$/.test(value) ? Number(value) : value.split(",").map((item) => item.trim());
}

/**
 * As Fastify's `trustProxy`: its types take no hop count, so a count is the function proxy-addr
 * makes of one (the first `hops` addresses from the socket are proxies).
 */
export function fastifyTrustProxy(
  trust: number | string[],
): string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === "number" ? (_address, hop) => hop < trust : trust;
}
