import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { isClientRoute } from "../../src/server/web-ui.js";
import { startBareTern } from "../helpers/in-process.js";
import { rawRequest } from "../helpers/raw-http.js";

/** The built UI at `/` (npm run build → dist/web), its client routes, and what it must never claim. */
const webRoot = path.join(packageRoot(), "dist", "web");
let tern: Awaited<ReturnType<typeof startBareTern>>;
let url: string;
let token: string;

beforeAll(async () => {
  if (!existsSync(path.join(webRoot, "index.html")))
    throw new Error("dist/web is missing: run `npm run build`");
  tern = await startBareTern();
  url = tern.tern.url;
  token = tern.tern.dataDir.adminToken;
});
afterAll(async () => tern?.close());

const isJson404 = (res: { status: number; body: string }) =>
  res.status === 404 && !res.body.includes("<html") && JSON.parse(res.body) !== undefined;

describe("the browser UI served by Tern", () => {
  it("serves the UI's index page at / without inline scripts and with a strict policy", async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const html = await res.text();
    expect(html).toContain('<div id="root">');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect((await fetch(`${url}/`, { method: "HEAD" })).status).toBe(200);
  });

  it("gives /index.html, named directly, the same policy as / (nothing may frame it)", async () => {
    const res = await fetch(`${url}/index.html`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-cache");
  });

  it("answers a client route (a reload on /flows/abc) with the index page", async () => {
    for (const page of ["/flows", "/flows/flow_abc-1", "/flows/new", "/flows/flow_abc-1/edit", "/sign-in"]) {
      const res = await fetch(`${url}${page}`);
      expect(res.status, page).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
    }
  });

  it("serves hashed assets as immutable and a missing asset as a JSON 404", async () => {
    // The entry chunk (the editor is a chunk of its own, loaded on its pages).
    const [js] = readdirSync(path.join(webRoot, "assets")).filter((f) => /^index-.*\.js$/.test(f));
    const res = await fetch(`${url}/assets/${js}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(isJson404(await rawRequest(url, "GET", "/assets/missing-123.js"))).toBe(true);
  });

  it("sends the precompressed asset to a browser that accepts it", async () => {
    // The entry chunk (the editor is a chunk of its own, loaded on its pages).
    const [js] = readdirSync(path.join(webRoot, "assets")).filter((f) => /^index-.*\.js$/.test(f));
    const res = await fetch(`${url}/assets/${js}`, { headers: { "accept-encoding": "br, gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("br");
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(await res.text()).toContain("createRoot");
  });

  it("leaves unknown server paths a JSON 404, never the index page", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const api = await rawRequest(url, "GET", "/api/v1/no-such-thing", { headers: auth });
    expect(isJson404(api)).toBe(true);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: "NOT_FOUND" } });
    for (const p of [
      "/api/nope",
      "/api",
      "/hooks/nope",
      "/oauth/nope",
      "/metrics/x",
      "/healthz/x",
      "/health",
      // A base URL ending in "/" joined to a path, and a server path in capitals (found by an OpenAPI audit).
      "//api/v1/flows",
      "/API/V1/flows",
      "/Webhooks/x",
    ]) {
      expect(isJson404(await rawRequest(url, "GET", p)), p).toBe(true);
    }
    const webhook = await rawRequest(url, "GET", "/webhooks/nope");
    expect(webhook.body).not.toContain("<html");
    // Only GET and HEAD fall back to the page.
    expect(isJson404(await rawRequest(url, "POST", "/flows", { body: "" }))).toBe(true);
  });

  it("never serves a file outside the UI folder (path traversal)", async () => {
    const attempts = [
      "/..%2f..%2fetc/passwd",
      "/..%2f..%2f..%2fpackage.json",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/../../etc/passwd",
      "/assets/..%2f..%2f..%2fpackage.json",
      "/assets/../../package.json",
      "/index.html/..%2f..%2fpackage.json",
      "/%2e%2e%5c%2e%2e%5cpackage.json",
      "/flows/..%2f..%2fpackage.json",
      "/%00",
      "/%E0%A4%A",
    ];
    for (const p of attempts) {
      const res = await rawRequest(url, "GET", p);
      expect(res.body, p).not.toContain("root:x:0");
      expect(res.body, p).not.toContain('"name": "tern"');
      expect([400, 404], p).toContain(res.status);
    }
  });

  it("tells client routes from server paths", () => {
    expect(isClientRoute("/flows/abc_1")).toBe(true);
    expect(isClientRoute("/api/v1/flows")).toBe(false);
    expect(isClientRoute("/apiary")).toBe(true);
    expect(isClientRoute("/metrics")).toBe(false);
    expect(isClientRoute("/a.b")).toBe(false);
    expect(isClientRoute("/a%2fb")).toBe(false);
    expect(isClientRoute("//api/v1/flows")).toBe(false);
    expect(isClientRoute("/Api/v1/flows")).toBe(false);
  });
});

describe("GET /api/v1/templates", () => {
  it("lists the shipped templates with their descriptions and flow files", async () => {
    const res = await fetch(`${url}/api/v1/templates`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as {
      items: Array<{ id: string; name: string; description: string }>;
    };
    const shipped = readdirSync(path.join(packageRoot(), "templates")).filter((f) => f.endsWith(".json"));
    expect(items.map((t) => `${t.id}.json`).sort()).toEqual(shipped.sort());
    expect(items.find((t) => t.id === "whatsapp-lead")).toMatchObject({
      name: "WhatsApp lead capture",
      description: expect.stringContaining("Lead"),
      definition: { schema: "tern.flow/v1" },
    });
    expect((await fetch(`${url}/api/v1/templates`)).status).toBe(401);
  });
});
