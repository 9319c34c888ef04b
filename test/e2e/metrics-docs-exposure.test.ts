import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { Tern } from "../../src/main.js";
import { installProcessGuard } from "../../src/server/process-guard.js";
import { startBareTern } from "../helpers/in-process.js";

/** TERN_METRICS and TERN_API_DOCS: public, token (admin bearer token) or off (404). */
const modes = [
  { metrics: "public", docs: "token" },
  { metrics: "token", docs: "off" },
  { metrics: "off", docs: "public" },
] as const;

describe.each(modes)("TERN_METRICS=$metrics TERN_API_DOCS=$docs", ({ metrics, docs }) => {
  let tern: Tern;
  let close: () => Promise<void>;
  let uninstallGuard: () => void;
  beforeAll(async () => {
    ({ tern, close } = await startBareTern({ TERN_METRICS: metrics, TERN_API_DOCS: docs }));
    // As `tern serve` does: it adds the unhandled-rejection counter.
    uninstallGuard = installProcessGuard(tern);
  });
  afterAll(async () => {
    uninstallGuard();
    await close();
  });

  const get = (p: string, token?: string) =>
    fetch(`${tern.url}${p}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  /** Status without a token, with a wrong one, and with the admin token. */
  const statuses = async (p: string) => [
    (await get(p)).status,
    (await get(p, "not-the-admin-token")).status,
    (await get(p, tern.dataDir.adminToken)).status,
  ];
  const expected = { public: [200, 200, 200], token: [401, 401, 200], off: [404, 404, 404] };

  it(`serves /metrics as configured (${metrics})`, async () => {
    expect(await statuses("/metrics")).toEqual(expected[metrics]);
    if (metrics !== "off") {
      const body = await (await get("/metrics", tern.dataDir.adminToken)).text();
      expect(body).toContain("# TYPE tern_webhook_signature_rejected_total counter");
      expectAlertRulesToMatch(body);
    }
  });

  it(`serves /api/docs and its OpenAPI document as configured (${docs})`, async () => {
    expect(await statuses("/api/docs/json")).toEqual(expected[docs]);
    expect(await statuses("/api/docs/static/index.html")).toEqual(expected[docs]);
    if (docs !== "off") {
      const spec = (await (await get("/api/docs/json", tern.dataDir.adminToken)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(spec.paths)).toContain("/api/v1/channels/{id}/rejected-events");
      // The UI takes an admin token: no other site may frame it.
      const page = await get("/api/docs/static/index.html", tern.dataDir.adminToken);
      expect(page.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");
      expect(page.headers.get("x-frame-options")).toBe("DENY");
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("keeps /healthz and /readyz public", async () => {
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(200);
  });
});

describe("defaults", () => {
  it("puts /metrics behind the admin token and leaves /api/docs public", () => {
    const config = loadConfig({});
    expect(config.TERN_METRICS).toBe("token");
    expect(config.TERN_API_DOCS).toBe("public");
  });

  it("refuses an unknown mode with a message naming the variable", () => {
    expect(() => loadConfig({ TERN_METRICS: "private" })).toThrow(/TERN_METRICS/);
  });
});

/**
 * docs/deployment.md's example alerting rules name metrics and label values: each must be one
 * that /metrics exposes, or the alert never fires.
 */
function expectAlertRulesToMatch(exposition: string) {
  const docs = readFileSync(new URL("../../docs/deployment.md", import.meta.url), "utf8");
  const rules = docs.match(/```yaml\n(groups:[\s\S]*?)```/)?.[1];
  expect(rules, "docs/deployment.md has an alerting rules example").toBeDefined();
  const exprs = [...rules!.matchAll(/expr: (.+)/g)].map((m) => m[1]!);
  expect(exprs.length).toBeGreaterThanOrEqual(5);
  for (const expr of exprs) {
    for (const [, name, labels] of expr.matchAll(
      /\b(tern_[a-z_]+|process_[a-z_]+|nodejs_[a-z_]+)(\{[^}]*\})?/g,
    )) {
      expect(exposition, expr).toContain(`# TYPE ${name} `);
      for (const [, label, value] of (labels ?? "").matchAll(/(\w+)="([^"]*)"/g)) {
        expect(exposition, expr).toMatch(new RegExp(`^${name}\\{(.*,)?${label}="${value}"[,}]`, "m"));
      }
    }
  }
}
