import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBareTern } from "../../test/helpers/in-process.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../sandbox/salesforce/index.js";
import { createAdminClient } from "./api-client.js";
import { connectSalesforce } from "./salesforce.js";

/** `tern salesforce connect` against a real Tern and the emulator's consent page. */
describe("tern salesforce connect", () => {
  let sf: SalesforceEmulator;
  let tern: Awaited<ReturnType<typeof startBareTern>>;
  let api: ReturnType<typeof createAdminClient>;
  beforeAll(async () => {
    sf = await startSalesforceEmulator({ tokenLatencyMs: 0 });
    tern = await startBareTern();
    api = createAdminClient(tern.tern.url, tern.tern.dataDir.adminToken);
  });
  afterAll(async () => {
    await tern?.close();
    await sf?.close();
  });

  async function run(name: string) {
    const { clientId, clientSecret } = sf.credentials;
    await api.request("POST", "/connections", {
      type: "salesforce",
      name,
      config: { loginUrl: sf.url, clientId, clientSecret },
    });
    const input = new PassThrough();
    const out = new PassThrough();
    let printed = "";
    out.on("data", (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const done = connectSalesforce({ api, name, input, out, pollMs: 20, timeoutMs: 10_000 });
    const authorizeUrl = await new Promise<string>((resolve) => {
      const check = () => {
        const match = /https?:\/\/\S+\/services\/oauth2\/authorize\S+/.exec(printed);
        if (match) resolve(match[0]);
        else setTimeout(check, 10);
      };
      check();
    });
    // The person's browser: Salesforce approves and sends it to Tern's callback URL.
    const consent = await fetch(authorizeUrl, { redirect: "manual" });
    const redirect = consent.headers.get("location") ?? "";
    return { done, input, redirect, printed: () => printed };
  }

  it("prints the authorize URL and finishes when the browser reaches the callback", async () => {
    const { done, redirect, printed } = await run("by-browser");
    expect((await fetch(redirect)).status).toBe(200);
    await expect(done).resolves.toMatchObject({ name: "by-browser", isConnected: true });
    expect(printed()).toContain('Connected: "by-browser"');
  });

  it("takes the redirect URL pasted on stdin and calls the callback itself", async () => {
    const { done, input, redirect } = await run("by-paste");
    input.write(`${redirect}\n`);
    await expect(done).resolves.toMatchObject({ name: "by-paste", isConnected: true });
  });

  it("says why when the pasted URL is refused", async () => {
    const { done, input, redirect } = await run("by-bad-paste");
    const forged = new URL(redirect);
    forged.searchParams.set("state", "forged");
    input.write(`${forged}\n`);
    await expect(done).rejects.toThrow(/already used, has expired/);
  });
});
