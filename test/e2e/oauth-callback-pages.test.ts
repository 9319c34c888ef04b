import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../src/sandbox/salesforce/index.js";
import { startBareTern } from "../helpers/in-process.js";

/**
 * The OAuth callback answers the person in the browser with a page, whatever went wrong: an
 * address that is not valid percent-encoding, a token endpoint that failed or could not be
 * reached while the code was traded. Each page says what is true there: nothing retries and the
 * sign-in link is used up, so the person starts again. The API routes keep their JSON.
 */
describe("the OAuth callback's pages", () => {
  let sf: SalesforceEmulator;
  let tern: Awaited<ReturnType<typeof startBareTern>>;
  let app: { clientId: string; clientSecret: string };
  // A login host whose token endpoint cuts every connection (reset before any answer).
  let cutting: Server;
  let cuttingUrl: string;

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ tokenLatencyMs: 0 });
    tern = await startBareTern();
    app = sf.addConnectedApp({ callbackUrl: `${tern.tern.url}/oauth/salesforce/callback` });
    cutting = createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => cutting.listen(0, "127.0.0.1", resolve));
    cuttingUrl = `http://127.0.0.1:${(cutting.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await tern?.close();
    await sf?.close();
    await new Promise((resolve) => cutting?.close(resolve));
  });

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${tern.tern.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tern.tern.dataDir.adminToken}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  let n = 0;
  /** A web server connection at `loginUrl` and the authorize URL of a sign-in started for it. */
  async function started(loginUrl: string): Promise<{ id: string; authorizeUrl: URL }> {
    n += 1;
    const created = await api("POST", "/connections", {
      type: "salesforce",
      name: `callback-pages-${n}`,
      config: { loginUrl, ...app },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const start = (await (await api("GET", `/connections/${id}/oauth/start`)).json()) as {
      authorizeUrl: string;
    };
    return { id, authorizeUrl: new URL(start.authorizeUrl) };
  }

  const isConnected = async (id: string) =>
    ((await (await api("GET", `/connections/${id}`)).json()) as { isConnected: boolean }).isConnected;

  /** A page for a person: HTML, the callback's headers, no script. */
  async function expectPage(res: Response, status: number): Promise<string> {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("cache-control")).toBe("no-store");
    return res.text();
  }

  it("answers an address that is not valid percent-encoding with an HTML 400 page that repeats none of it", async () => {
    for (const query of [
      "?code=%ZZ&state=%E0%A4%A",
      "?state=%3Cscript%3Ealert(1)%3C%2Fscript%3E%ZZ",
      "?code=<img%20src=x%20onerror=alert(1)>&state=%",
    ]) {
      const res = await fetch(`${tern.tern.url}/oauth/salesforce/callback${query}`);
      const html = await expectPage(res, 400);
      expect(html, query).toContain("query string is not valid percent-encoding");
      expect(html, query).toContain("Nothing was changed");
      for (const raw of ["%ZZ", "%E0", "script", "<img", "onerror"]) expect(html, query).not.toContain(raw);
    }
    // HEAD, as a browser's prefetch may send it: refused too (the callback takes GET only).
    const head = await fetch(`${tern.tern.url}/oauth/salesforce/callback?code=%ZZ`, { method: "HEAD" });
    expect(head.status).toBe(400);
  });

  // An outside audit: Fastify's automatic HEAD route ran the GET handler, which traded the
  // one-time code and connected. A link scanner or prefetcher sends HEAD; it must change nothing.
  it("answers HEAD with 405 Allow: GET and changes nothing: the GET with the same code and state connects", async () => {
    const { id, authorizeUrl } = await started(sf.url);
    const consent = await fetch(authorizeUrl, { redirect: "manual" });
    const callback = consent.headers.get("location") ?? "";
    expect(new URL(callback).searchParams.get("code")).toBeTruthy();
    const exchanges = () => sf.grantTypes.filter((g) => g === "authorization_code").length;
    const before = exchanges();
    const head = await fetch(callback, { method: "HEAD", redirect: "manual" });
    expect([head.status, head.headers.get("allow")]).toEqual([405, "GET"]);
    expect(exchanges()).toBe(before);
    expect(await isConnected(id)).toBe(false);
    // The other methods name the same Allow.
    const put = await fetch(callback, { method: "PUT" });
    expect([put.status, put.headers.get("allow")]).toEqual([405, "GET"]);
    const html = await expectPage(await fetch(callback, { redirect: "manual" }), 200);
    expect(html).toContain("is connected");
    expect(exchanges()).toBe(before + 1);
    expect(await isConnected(id)).toBe(true);
  });

  it("keeps the JSON refusal on the API routes", async () => {
    for (const path of ["/api/v1/connections?x=%ZZ", "/healthz?x=%E0%A4%A"]) {
      const res = await fetch(`${tern.tern.url}${path}`, {
        headers: { authorization: `Bearer ${tern.tern.dataDir.adminToken}` },
      });
      expect(res.status, path).toBe(400);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    }
  });

  it("a token endpoint's server error while trading the code: a page that says to start again, not that it retries", async () => {
    const { id, authorizeUrl } = await started(sf.url);
    const consent = await fetch(authorizeUrl, { redirect: "manual" });
    sf.failNext(503, "Service Unavailable", { on: "token", contentType: "text/plain" });
    const html = await expectPage(await fetch(consent.headers.get("location") ?? ""), 502);
    expect(html).toContain("server error (HTTP 503)");
    expect(html).toContain("this sign-in link is used up");
    expect(html).toContain("Start the connection again");
    expect(html).not.toMatch(/retry/i);
    expect(await isConnected(id)).toBe(false);
    // Used up indeed: the same address again is refused as such.
    const again = await expectPage(await fetch(consent.headers.get("location") ?? ""), 400);
    expect(again).toContain("already used");
  });

  it("a token endpoint that cuts the connection while trading the code: a page about the sign-in, not about creates", async () => {
    const { id, authorizeUrl } = await started(cuttingUrl);
    // Salesforce's consent would send the browser back with a code and the state Tern made.
    const state = authorizeUrl.searchParams.get("state") ?? "";
    const res = await fetch(`${tern.tern.url}/oauth/salesforce/callback?code=aPrx.code&state=${state}`);
    const html = await expectPage(res, 502);
    expect(html).toContain("Couldn&#39;t reach Salesforce&#39;s token endpoint");
    expect(html).toContain("this sign-in link is used up");
    expect(html).toContain("Start the connection again");
    expect(html).not.toMatch(/create|retr(y|ies)|tries again/i);
    expect(await isConnected(id)).toBe(false);
  });
});
