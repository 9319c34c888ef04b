import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { Tern } from "../../src/main.js";
import { startBareTern } from "../helpers/in-process.js";

/**
 * Behind a reverse proxy every request comes from the proxy's address. The sign-in lockout counts
 * wrong tokens per address, so unless Tern believes the proxy's X-Forwarded-For, one attacker's
 * five wrong tokens lock the admin API out for everyone (TERN_TRUST_PROXY).
 */
describe("TERN_TRUST_PROXY and the sign-in lockout", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** Five wrong tokens "from" the attacker, then the right one "from" the admin, through a proxy on loopback. */
  const lockoutThroughProxy = async (tern: Tern) => {
    const flows = (token: string, client: string) =>
      fetch(`${tern.url}/api/v1/flows`, {
        headers: { authorization: `Bearer ${token}`, "x-forwarded-for": client },
      });
    const guesses: number[] = [];
    for (let i = 0; i < 6; i++) guesses.push((await flows(`guess-${i}`, "203.0.113.66")).status);
    return {
      guesses,
      admin: (await flows(tern.dataDir.adminToken, "198.51.100.7")).status,
      attacker: (await flows(tern.dataDir.adminToken, "203.0.113.66")).status,
    };
  };

  it("with the proxy trusted, locks out the attacker's address only", async () => {
    const started = await startBareTern({ TERN_TRUST_PROXY: "127.0.0.1" });
    close = started.close;
    expect(await lockoutThroughProxy(started.tern)).toEqual({
      guesses: [401, 401, 401, 401, 401, 429],
      admin: 200,
      attacker: 429,
    });
  });

  it("trusts a number of proxies as well", async () => {
    const started = await startBareTern({ TERN_TRUST_PROXY: "1" });
    close = started.close;
    expect((await lockoutThroughProxy(started.tern)).admin).toBe(200);
  });

  it("without it, believes no header: the client is whoever connected, here everyone at once", async () => {
    const started = await startBareTern();
    close = started.close;
    expect(await lockoutThroughProxy(started.tern)).toEqual({
      guesses: [401, 401, 401, 401, 401, 429],
      admin: 429,
      attacker: 429,
    });
  });

  it("refuses a value that would believe anyone, or is not an address, naming the variable", () => {
    for (const value of ["true", "*", "0", "11", "10.0.0.0/33", "example.com", "127.0.0.1,nope"])
      expect(() => loadConfig({ TERN_TRUST_PROXY: value }), value).toThrow(/TERN_TRUST_PROXY/);
    expect(loadConfig({ TERN_TRUST_PROXY: " 127.0.0.1, 10.0.0.0/8 ,::1,loopback" }).TERN_TRUST_PROXY).toEqual(
      ["127.0.0.1", "10.0.0.0/8", "::1", "loopback"],
    );
    expect(loadConfig({ TERN_TRUST_PROXY: "2" }).TERN_TRUST_PROXY).toBe(2);
    expect(loadConfig({}).TERN_TRUST_PROXY).toBeUndefined();
  });
});
