import { connect, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { isUncappedAddress } from "../../src/server/connection-caps.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * Idle connections are file descriptors: a flood of them (30,000 from one address, an outside
 * audit) left none for health checks, webhooks, Salesforce or the database. Connections over the
 * caps are closed at once, and everyone else is still answered.
 */
describe("connection caps", () => {
  let stack: Stack | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await stack?.close();
    stack = undefined;
  });

  /** Opens a connection; resolves with whether the server kept it open for `holdMs`. */
  const held = (host: string, port: number, holdMs = 300) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      sockets.push(socket);
      let closed = false;
      socket.on("error", () => undefined);
      socket.on("close", () => {
        closed = true;
        resolve(false);
      });
      socket.on("connect", () => setTimeout(() => resolve(!closed), holdMs));
    });
  const healthy = async () => (await fetch(`${stack!.tern.url}/healthz`)).status;

  // A public address of this machine, to connect as a stranger on the internet would (private
  // ones are where a proxy in front connects from: not capped per address).
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal && !isUncappedAddress(a.address))?.address;

  it.skipIf(external === undefined)(
    "closes a public address's connections over TERN_MAX_CONNECTIONS_PER_ADDRESS; loopback is not counted",
    async () => {
      stack = await startStack({ env: { TERN_HOST: "0.0.0.0", TERN_MAX_CONNECTIONS_PER_ADDRESS: "5" } });
      const port = Number(new URL(stack.tern.url).port);
      const first = await Promise.all(Array.from({ length: 5 }, () => held(external!, port)));
      expect(first).toEqual([true, true, true, true, true]);
      expect(await held(external!, port)).toBe(false);
      // Loopback (a proxy on this host, the CLI) is never capped per address.
      expect(await Promise.all(Array.from({ length: 8 }, () => held("127.0.0.1", port)))).toEqual(
        Array(8).fill(true),
      );
      expect(await healthy()).toBe(200);
      // One closes: that address may connect again.
      sockets[0]?.destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect(await held(external!, port)).toBe(true);
    },
  );

  it("closes connections over TERN_MAX_CONNECTIONS, and takes new ones once some close", async () => {
    stack = await startStack({ env: { TERN_MAX_CONNECTIONS: "16" } });
    const port = Number(new URL(stack.tern.url).port);
    // Some of the 16 may be taken already (the provisioning's keep-alive connections).
    const kept = (await Promise.all(Array.from({ length: 24 }, () => held("127.0.0.1", port)))).filter(
      Boolean,
    );
    expect(kept.length).toBeGreaterThan(8);
    expect(kept.length).toBeLessThanOrEqual(16);
    expect(await held("127.0.0.1", port)).toBe(false);
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(await healthy()).toBe(200);
  });

  it("refuses a cap that is not a whole number, naming the variable", async () => {
    await expect(startStack({ env: { TERN_MAX_CONNECTIONS: "lots" } })).rejects.toThrow(
      /TERN_MAX_CONNECTIONS/,
    );
    await expect(startStack({ env: { TERN_MAX_CONNECTIONS_PER_ADDRESS: "0" } })).rejects.toThrow(
      /TERN_MAX_CONNECTIONS_PER_ADDRESS/,
    );
  });

  it("counts public addresses per address, not loopback or private networks (a proxy in front)", () => {
    for (const address of [
      "127.0.0.1",
      "::1",
      "::ffff:127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.1",
      "192.168.1.9",
      "::ffff:10.0.0.7",
      "169.254.1.1",
      "fd12:3456::1",
      "fe80::1",
    ])
      expect(isUncappedAddress(address), address).toBe(true);
    for (const address of [
      "192.0.2.2",
      "8.8.8.8",
      "172.32.0.1",
      "172.15.0.1",
      "::ffff:203.0.113.9",
      "2001:db8::1",
    ])
      expect(isUncappedAddress(address), address).toBe(false);
  });
});
