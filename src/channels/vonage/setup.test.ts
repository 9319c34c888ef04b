import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withProxyPage } from "../../../test/helpers/proxy-page.js";
import { startVonageSimulator, type VonageSimulator } from "../../sandbox/vonage/simulator.js";
import { vonageChannel } from "./index.js";

describe("Vonage setup", () => {
  let sim: VonageSimulator;
  let endpoint: Server;
  let endpointStatus = 200;
  let endpointUrl = "";
  beforeEach(async () => {
    sim = await startVonageSimulator();
    endpoint = createServer((_req, res) => {
      res.writeHead(endpointStatus);
      res.end();
    });
    await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
    endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/webhooks/ch_1`;
  });
  afterEach(async () => {
    await sim.close();
    endpoint.closeAllConnections();
    await new Promise<void>((resolve) => endpoint.close(() => resolve()));
  });
  const setup = (extra: Record<string, unknown> = {}) =>
    vonageChannel.setup?.({
      config: vonageChannel.config.parse({ ...sim.config, ...extra }),
      webhookUrl: endpointUrl,
      fetch: globalThis.fetch,
    });

  it("sets the number's moHttpUrl and says where delivery receipts must be pasted", async () => {
    expect(await setup()).toMatchObject({ ok: true, details: { country: "GB", moHttpUrl: endpointUrl } });
    expect(sim.moHttpUrl).toBe(endpointUrl);
  });

  it("reports Vonage's refusal when the URL does not answer its GET probe with 200", async () => {
    endpointStatus = 401;
    expect(await setup()).toMatchObject({ ok: false, message: expect.stringMatching(/HTTP 420/) });
    expect(sim.moHttpUrl).toBeUndefined();
  });

  it("reports a number the account does not have, a sender id, and wrong credentials without leaking", async () => {
    expect(await setup({ from: "447700900999" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not among/),
    });
    expect(await setup({ from: "Acme" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/sender id/),
    });
    const wrong = await setup({ apiSecret: "wrong-secret-0123456789" });
    expect(wrong).toMatchObject({ ok: false, message: expect.stringMatching(/apiKey and apiSecret/) });
    expect(JSON.stringify(wrong)).not.toContain("wrong-secret-0123456789");
  });

  it("reports a lookup answered 200 with a proxy's HTML page as unreadable, not as a number not found", async () => {
    // A proxy in front of the API answers its login page instead of Vonage's list.
    await withProxyPage(async (apiBaseUrl) => {
      const report = await setup({ apiBaseUrl });
      expect(report).toMatchObject({
        ok: false,
        message: expect.stringMatching(/HTTP 200 \(text\/html\), which could not be read/),
        details: { httpStatus: 200, contentType: "text/html" },
      });
      expect(report?.message).not.toMatch(/not among/);
    });
  });
});
