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
 * A connection over a cap is closed before anything is read from it. Loopback is never capped
 * per address (a proxy on the same host, the CLI); a cap per client behind a remote proxy is the
 * proxy's to set (TERN_TRUST_PROXY turns the per-address cap off: every connection is its own).
 */
export function capConnections(server: Server, caps: ConnectionCaps): void {
  server.maxConnections = caps.total;
  const { perAddress } = caps;
  if (perAddress === null) return;
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || isLoopback(address)) return;
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

const isLoopback = (address: string): boolean =>
  address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");

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
