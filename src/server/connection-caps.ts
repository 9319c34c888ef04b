import { readFileSync } from "node:fs";
import type { Server, Socket } from "node:net";

export interface ConnectionCaps {
  /** Open connections in all (node's `maxConnections`: one more is closed at once). */
  total: number;
  /** Open connections from one client address; null: no cap (behind a proxy, all come from it). */
  perAddress: number | null;
}

/**
 * Caps the connections a stranger can hold open. Each costs a file descriptor: 30,000 idle
 * sockets from one address (an outside audit) used up the process's 20,000, after which health
 * checks, provider webhooks, Salesforce calls and the database all failed until they timed out.
 * A connection over a cap is closed before anything is read from it. Loopback and private
 * addresses are never capped per address (a proxy or load balancer in front, the CLI); a cap per
 * client behind a proxy is the proxy's to set (TERN_TRUST_PROXY turns the per-address cap off).
 */
export function capConnections(server: Server, caps: ConnectionCaps): void {
  server.maxConnections = caps.total;
  const { perAddress } = caps;
  if (perAddress === null) return;
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || isUncappedAddress(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

/**
 * Loopback and private networks (RFC 1918, link-local, IPv6 unique-local): where a proxy or load
 * balancer in front of Tern connects from, all clients' connections through one address. A
 * stranger on the internet connects from a public address.
 */
export function isUncappedAddress(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  const octets = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(v4);
  if (octets) {
    const [a, b] = [Number(octets[1]), Number(octets[2])];
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254)
    );
  }
  const v6 = address.toLowerCase();
  return v6 === "::1" || /^f[cd][0-9a-f]{2}:/.test(v6) || /^fe[89ab][0-9a-f]:/.test(v6);
}

/**
 * The default total: three quarters of the process's open-file limit, the rest left for what
 * Tern opens itself (the database, outbound calls, files). Node raises the soft limit to the
 * hard one at start; read on Linux, 4,096 assumed elsewhere.
 */
export function defaultMaxConnections(): number {
  let limit = 4_096;
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line ? Number(/^Max open files\s+(\d+)/.exec(line)?.[1]) : Number.NaN;
    if (Number.isFinite(soft) && soft > 0) limit = soft;
  } catch {
    // not Linux: the assumed limit stands
  }
  return Math.max(64, Math.floor(limit * 0.75));
}
