import ipaddr from "ipaddr.js";

/**
 * Which addresses the `http` flow step may connect to (SSRF guard). By default only public
 * unicast addresses: a flow author (or a customer's answer templated into a URL) must not reach
 * the machine's own services, the private network or the cloud's metadata endpoint. Classified
 * with ipaddr.js, after DNS resolution, on the address actually connected to; IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`) is unwrapped first, and WHATWG URL parsing has already turned decimal,
 * octal and hex IPv4 forms (`2130706433`, `0177.0.0.1`) into dotted quads.
 */
export interface AddressPolicy {
  /** Why this address is refused for `hostname`, or null when it may be connected to. */
  refusal(address: string, hostname: string): string | null;
}

export interface AddressPolicyOptions {
  /** TERN_HTTP_ALLOW_PRIVATE: every private, loopback, link-local... address except cloud metadata. */
  allowPrivate?: boolean;
  /** TERN_HTTP_ALLOW: CIDRs, single addresses and host names (`*.corp.example` for subdomains). */
  allow?: ReadonlyArray<string>;
}

/** Instance metadata services: never reachable through `allowPrivate`, only by an explicit entry. */
const METADATA = [
  "169.254.169.254/32", // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
  "169.254.170.2/32", // AWS ECS task metadata
  "100.100.100.200/32", // Alibaba Cloud
  "fd00:ec2::254/128", // AWS over IPv6
].map((cidr) => ipaddr.parseCIDR(cidr));

/** ipaddr.js range names, as a person reads them in an error. */
const RANGE_NAMES: Record<string, string> = {
  private: "private (RFC 1918)",
  loopback: "loopback",
  linkLocal: "link-local",
  uniqueLocal: "private (unique local fc00::/7)",
  unspecified: "unspecified",
  carrierGradeNat: "carrier-grade NAT (100.64.0.0/10)",
  broadcast: "broadcast",
  multicast: "multicast",
  reserved: "reserved",
};

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses the allow-list; throws a message naming the bad entry. */
export function parseAllowList(entries: ReadonlyArray<string>): { cidrs: Cidr[]; hosts: string[] } {
  const cidrs: Cidr[] = [];
  const hosts: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry.includes("/")) {
      try {
        cidrs.push(ipaddr.parseCIDR(entry));
      } catch {
        throw new Error(`"${raw}" is not a CIDR range (e.g. 10.0.0.0/8 or fd00::/8)`);
      }
    } else if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry);
      cidrs.push([address, address.kind() === "ipv4" ? 32 : 128]);
    } else if (/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      hosts.push(entry);
    } else {
      throw new Error(`"${raw}" is neither an address, a CIDR range nor a host name`);
    }
  }
  return { cidrs, hosts };
}

function hostAllowed(hosts: ReadonlyArray<string>, hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return hosts.some((h) => (h.startsWith("*.") ? name.endsWith(h.slice(1)) : name === h));
}

function inRanges(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: ReadonlyArray<Cidr>): boolean {
  return ranges.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));
}

/** The IPv4 address carried by an IPv4-compatible `::a.b.c.d` (not `::` nor `::1`), else null. */
function ipv4Compatible(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | null {
  if (address.kind() !== "ipv6") return null;
  const parts = (address as ipaddr.IPv6).parts;
  if (parts.slice(0, 6).some((p) => p !== 0) || (parts[6] === 0 && (parts[7] ?? 0) <= 1)) return null;
  const [high = 0, low = 0] = parts.slice(6);
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

export function createAddressPolicy(options: AddressPolicyOptions = {}): AddressPolicy {
  const { cidrs, hosts } = parseAllowList(options.allow ?? []);
  return {
    refusal(raw, hostname) {
      let address: ipaddr.IPv4 | ipaddr.IPv6;
      try {
        // process(): an IPv4-mapped IPv6 address becomes the IPv4 address it carries.
        address = ipaddr.process(raw.replace(/^\[|\]$/g, "").replace(/%.*$/, ""));
      } catch {
        return `${raw} is not an IP address`;
      }
      // IPv4-compatible IPv6 (::/96, deprecated; WHATWG URL writes [::127.0.0.1] as [::7f00:1]):
      // ipaddr.js calls it unicast, so it is judged as the IPv4 address it carries.
      address = ipv4Compatible(address) ?? address;
      if (inRanges(address, cidrs) || hostAllowed(hosts, hostname)) return null;
      if (inRanges(address, METADATA)) return `${address} is a cloud metadata address`;
      const range = address.range();
      if (range === "unicast") return null;
      if (options.allowPrivate) return null;
      const name = RANGE_NAMES[range] ?? range;
      return `${address} is ${/^[aeiou]/i.test(name) ? "an" : "a"} ${name} address`;
    },
  };
}
