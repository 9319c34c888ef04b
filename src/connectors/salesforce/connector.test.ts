import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { FetchError } from "../../core/fetch.js";
import { rejection } from "./actions/test-runtime.js";
import { useConnectorFixture } from "./connector-fixture.js";
import { networkError } from "./errors/errors.js";
import { SalesforceConfig, salesforceConnector } from "./index.js";
import { memoryTokenStore, testDeps } from "./test-helpers.js";

const { env, config, ctx, runtime, lead } = useConnectorFixture();

describe("salesforce connector", () => {
  it("tests a connection: refreshes a token, reads the identity, the API usage and whether Leads and Cases are createable", async () => {
    const { rt, deps } = runtime();
    const result = await rt.test(config());
    expect(result).toEqual({
      organizationId: env.sf.orgId,
      userId: env.sf.userId,
      username: "integration@tern.example",
      displayName: "Tern Integration",
      instanceUrl: env.sf.url,
      apiVersion: "62.0",
      grant: "web_server",
      latestApiVersion: expect.stringMatching(/^\d+\.0$/),
      dailyApiRequests: { used: expect.any(Number), max: 15_000, source: "limits" },
      createable: { Lead: true, Case: true },
    });
    expect(await deps.tokens.get("c1")).toMatchObject({ instanceUrl: env.sf.url });
  });

  it("skips the version check when the versions list answers an error (its body is a JSON array too)", async () => {
    const deps = testDeps({
      fetch: async (input, init) => {
        if (!String(input).endsWith("/services/data/")) return fetch(input, init);
        const error = [{ errorCode: "SERVER_UNAVAILABLE", message: "Server is temporarily unavailable" }];
        return new Response(JSON.stringify(error), {
          status: 503,
          headers: { "content-type": "application/json" },
        });
      },
    });
    const { rt } = runtime(deps);
    const result = await rt.test(config());
    expect(result).toMatchObject({ organizationId: env.sf.orgId, apiVersion: "62.0" });
    expect(result).not.toHaveProperty("latestApiVersion");
  });

  it("creates a record and persists the token it refreshed", async () => {
    const { rt, deps } = runtime();
    const out = await rt.actions.create?.run(lead(), config(), ctx());
    expect(out).toEqual({
      id: expect.stringMatching(/^00Q/),
      object: "Lead",
      success: true,
      url: `${env.sf.instanceUrl}/${(out as { id: string }).id}`,
    });
    expect(env.sf.records("Lead")).toHaveLength(1);
    const stored = await deps.tokens.get("c1");
    expect(stored?.accessToken).toMatch(/!/);
    expect(stored).not.toHaveProperty("refreshToken");
  });

  it("sends exactly one token request for 50 concurrent creates after the session expired", async () => {
    const { rt } = runtime();
    await rt.actions.create?.run(lead(), config(), ctx());
    env.sf.expireAccessTokens();
    const before = env.sf.tokenRequests;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => rt.actions.create?.run(lead(i + 1), config(), ctx())),
    );
    expect(env.sf.tokenRequests - before).toBe(1);
    expect(new Set(results.map((r) => (r as { id: string }).id)).size).toBe(50);
    expect(env.sf.records("Lead")).toHaveLength(51);
  });

  it("uses a token from the store and refreshes it once on 401 INVALID_SESSION_ID, creating one record", async () => {
    const tokens = memoryTokenStore();
    tokens.data.set("c1", {
      accessToken: `${env.sf.orgId.slice(0, 15)}!stale`,
      instanceUrl: env.sf.url,
      issuedAt: 1,
    });
    const { rt } = runtime(testDeps({ tokens }));
    // "lookup": no describe first, so the create itself meets the expired session.
    await rt.actions.create?.run(lead(), { ...config(), exactlyOnce: "lookup" }, ctx());
    expect(env.sf.tokenRequests).toBe(1);
    // The stale token meets its 401 on the describe that shapes the values (field-values.ts).
    expect(env.sf.createRequests).toBe(1);
    expect(env.sf.records("Lead")).toHaveLength(1);
    expect(tokens.writes).toHaveLength(1);
  });

  it("refreshes once on any 401, also one without INVALID_SESSION_ID in its body", async () => {
    const { rt } = runtime();
    const cfg = { ...config(), exactlyOnce: "lookup" as const };
    await rt.actions.create?.run(lead(), cfg, ctx());
    const before = env.sf.tokenRequests;
    // The REST API's 401 means the session expired or is invalid, whatever the body (errorcodes.htm).
    env.sf.failNext(401, "", { on: "create", contentType: "text/plain" });
    await rt.actions.create?.run(lead(2), cfg, ctx());
    expect(env.sf.tokenRequests - before).toBe(1);
    expect(env.sf.records("Lead")).toHaveLength(2);
  });

  it("backs off when another worker is refreshing the same token, then uses that worker's token", async () => {
    const tokens = memoryTokenStore();
    const workerA = salesforceConnector.create("c1", testDeps({ tokens }));
    const workerB = salesforceConnector.create("c1", testDeps({ tokens }));
    const results = await Promise.all([
      workerA.actions.create?.run(lead(1), config(), ctx()),
      workerB.actions.create?.run(lead(2), config(), ctx()),
    ]);
    expect(results).toHaveLength(2);
    expect(env.sf.records("Lead")).toHaveLength(2);
    expect(env.sf.tokenRequests).toBe(2);
  });

  it("sends one token request when ten processes sharing one token store find the session expired at once", async () => {
    const tokens = memoryTokenStore({ exclusive: true });
    // A runtime per process: each has its own in-memory single flight, only the store is shared.
    const processes = Array.from({ length: 10 }, () =>
      salesforceConnector.create("c1", testDeps({ tokens })),
    );
    await processes[0]?.actions.create?.run(lead(0), config(), ctx());
    await Promise.all(processes.slice(1).map((p, i) => p.actions.create?.run(lead(i + 1), config(), ctx())));
    env.sf.expireAccessTokens();
    const before = env.sf.tokenRequests;
    const results = await Promise.all(
      processes.map((p, i) => p.actions.create?.run(lead(100 + i), config(), ctx())),
    );
    expect(env.sf.tokenRequests - before).toBe(1);
    expect(results.every((r) => (r as { success: boolean }).success)).toBe(true);
    expect(env.sf.records("Lead")).toHaveLength(20);
  });

  it("follows a new instance_url after a refresh instead of replaying to the old host", async () => {
    const { rt, deps } = runtime();
    await rt.actions.create?.run(lead(), config(), ctx());
    const moved = await env.sf.moveInstance();
    await rt.actions.create?.run(lead(2), config(), ctx());
    expect(env.sf.records("Lead")).toHaveLength(2);
    expect((await deps.tokens.get("c1"))?.instanceUrl).toBe(moved);
  });

  it("keeps a rotated refresh token and refreshes with the newest one", async () => {
    const app = env.sf.addConnectedApp({ rotatesRefreshTokens: true });
    const cfg = SalesforceConfig.parse({
      ...app,
      refreshToken: env.sf.issueRefreshToken(app.clientId),
      loginUrl: env.sf.url,
    });
    const { rt, deps } = runtime();
    await rt.actions.create?.run(lead(), cfg, ctx());
    const first = (await deps.tokens.get("c1"))?.refreshToken;
    expect(first).toMatch(/^5Aep861/);
    env.sf.expireAccessTokens();
    await rt.actions.create?.run(lead(2), cfg, ctx());
    const second = (await deps.tokens.get("c1"))?.refreshToken;
    expect(second).toMatch(/^5Aep861/);
    expect(second).not.toBe(first);
    expect(env.sf.records("Lead")).toHaveLength(2);
  });

  it("a runtime made afresh (a restart) refreshes with the stored rotated token, not the config's rotated-out one", async () => {
    const app = env.sf.addConnectedApp({ rotatesRefreshTokens: true });
    const first = env.sf.issueRefreshToken(app.clientId);
    const cfg = SalesforceConfig.parse({ ...app, refreshToken: first, loginUrl: env.sf.url });
    const { rt, deps } = runtime();
    await rt.test(cfg);
    const stored = (await deps.tokens.get("c1"))?.refreshToken;
    expect(stored).not.toBe(first);
    // The process restarted: same token store, nothing in memory. Sending `first` again would
    // make the org revoke the whole family, `stored` with it.
    const { rt: restarted } = runtime(deps);
    await restarted.test(cfg);
    expect(env.sf.isTokenActive((await deps.tokens.get("c1"))?.refreshToken ?? "")).toBe(true);
    await restarted.actions.create?.run(lead(), cfg, ctx());
    expect(env.sf.records("Lead")).toHaveLength(1);
  });

  it("a refused rotated refresh token is not retried with the config's rotated-out one: the error is Salesforce's, and unlocking is enough", async () => {
    const app = env.sf.addConnectedApp({ rotatesRefreshTokens: true });
    const first = env.sf.issueRefreshToken(app.clientId);
    const cfg = SalesforceConfig.parse({ ...app, refreshToken: first, loginUrl: env.sf.url });
    const { rt, deps } = runtime();
    await rt.actions.create?.run(lead(), cfg, ctx());
    const live = (await deps.tokens.get("c1"))?.refreshToken ?? "";
    env.sf.setUserLocked(true);
    env.sf.expireAccessTokens();
    const sent = env.sf.refreshTokensSent.length;
    const error = await rejection(rt.actions.create?.run(lead(2), cfg, ctx()) as Promise<unknown>);
    expect(error.code).toBe("SALESFORCE_RECONNECT_REQUIRED");
    expect(error.message).toContain("user is locked");
    // Sending `first` again would have made the org revoke `live` with it (reference §5).
    expect(env.sf.refreshTokensSent.slice(sent)).toEqual([live]);
    expect(env.sf.isTokenActive(live)).toBe(true);
    env.sf.setUserLocked(false);
    await rt.actions.create?.run(lead(3), cfg, ctx());
    expect(env.sf.records("Lead")).toHaveLength(2);
  });

  it("passes over a stored rotated token of an older grant for the config's newer one (a refresh that raced a reconnect)", async () => {
    const app = env.sf.addConnectedApp({ rotatesRefreshTokens: true });
    const old = env.sf.issueRefreshToken(app.clientId);
    const { rt, deps } = runtime();
    await rt.test(SalesforceConfig.parse({ ...app, refreshToken: old, loginUrl: env.sf.url }));
    const oldFamily = (await deps.tokens.get("c1"))?.refreshToken ?? "";
    // Reconnected: a new grant in the config, while the store still holds the old grant's token
    // (written by a refresh that was in flight). The old grant is then revoked (a 6th approval).
    const reconnected = env.sf.issueRefreshToken(app.clientId);
    env.sf.revokeRefreshToken(old);
    env.sf.expireAccessTokens();
    const sent = env.sf.refreshTokensSent.length;
    const { rt: fresh } = runtime(deps);
    const cfg = SalesforceConfig.parse({ ...app, refreshToken: reconnected, loginUrl: env.sf.url });
    await fresh.actions.create?.run(lead(), cfg, ctx());
    expect(env.sf.refreshTokensSent.slice(sent)).toEqual([reconnected]);
    const stored = await deps.tokens.get("c1");
    expect(stored?.refreshToken).not.toBe(oldFamily);
    expect(env.sf.isTokenActive(stored?.refreshToken ?? "")).toBe(true);
  });

  it("says to tick API Enabled when the org answers API_DISABLED_FOR_ORG", async () => {
    env.sf.setApiDisabled(true);
    const { rt } = runtime();
    const error = await rejection(rt.actions.create?.run(lead(), config(), ctx()) as Promise<unknown>);
    expect(error.code).toBe("SALESFORCE_API_DISABLED");
    expect(error.message).toContain('"API Enabled"');
    expect(error.message).toContain("Setup → Profiles");
    expect(error.details).toMatchObject({ errorCode: "API_DISABLED_FOR_ORG" });
    expect(error.retry).toBe("never");
  });

  it("asks to reconnect when the refresh token was revoked, without leaking secrets", async () => {
    env.sf.revokeRefreshToken();
    const { rt } = runtime();
    const error = await rejection(rt.test(config()));
    expect(error.code).toBe("SALESFORCE_RECONNECT_REQUIRED");
    expect(error.message).toContain("expired access/refresh token");
    expect(error.message).toMatch(/Reconnect/);
    const shown = JSON.stringify({ m: error.message, d: error.details });
    expect(shown).not.toContain(env.sf.credentials.refreshToken);
    expect(shown).not.toContain(env.sf.credentials.clientSecret);
  });

  it.each([
    [{ clientId: "unknown-app" }, "SALESFORCE_AUTH_FAILED", "consumer key"],
    [{ clientSecret: "wrong-secret" }, "SALESFORCE_AUTH_FAILED", "consumer secret"],
  ])("maps bad app credentials %o to %s", async (override, code, text) => {
    const { rt } = runtime();
    const error = await rejection(rt.test({ ...config(), ...override }));
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
  });

  it("names the missing required fields", async () => {
    const { rt } = runtime();
    const error = await rejection(
      rt.actions.create?.run(
        { object: "Lead", fields: { Company: "X" } },
        config(),
        ctx(),
      ) as Promise<unknown>,
    );
    expect(error.code).toBe("SALESFORCE_REQUIRED_FIELD_MISSING");
    expect(error.message).toContain("LastName");
    expect(error.details).toMatchObject({
      errorCode: "REQUIRED_FIELD_MISSING",
      fields: ["LastName"],
      object: "Lead",
    });
  });

  it.each([
    [
      503,
      [{ errorCode: "SERVER_UNAVAILABLE", message: "Server unavailable" }],
      "SALESFORCE_UNAVAILABLE",
      "default",
    ],
    [
      400,
      [
        {
          errorCode: "UNABLE_TO_LOCK_ROW",
          message: "unable to obtain exclusive access to this record or 1 records: 001x",
          fields: [],
        },
      ],
      "SALESFORCE_UNAVAILABLE",
      "default",
    ],
    [
      403,
      [{ errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." }],
      "SALESFORCE_LIMIT_EXCEEDED",
      // The connection pauses: the run waits at its step until then (connection-guard.ts).
      { pausedUntil: expect.any(Number) },
    ],
    [
      400,
      [
        {
          errorCode: "DUPLICATES_DETECTED",
          message: "Use one of these records?",
          duplicateResult: {
            allowSave: false,
            matchResults: [{ matchRecords: [{ record: { Id: "00Q000000000001AAA" } }] }],
          },
        },
      ],
      "SALESFORCE_DUPLICATE",
      "never",
    ],
    [
      403,
      [{ errorCode: "INSUFFICIENT_ACCESS", message: "insufficient access rights on object id" }],
      "SALESFORCE_ACCESS_DENIED",
      "never",
    ],
    [404, "<html><body>Not here</body></html>", "SALESFORCE_REQUEST_FAILED", "never"],
  ])("maps HTTP %i %j to %s", async (status, body, code, retry) => {
    env.sf.failNext(status, body, { on: "create" });
    const { rt } = runtime();
    const error = await rejection(rt.actions.create?.run(lead(), config(), ctx()) as Promise<unknown>);
    expect(error.code).toBe(code);
    expect(error.retry).toEqual(retry);
    if (code === "SALESFORCE_DUPLICATE")
      expect(error.details).toMatchObject({ duplicateIds: ["00Q000000000001AAA"] });
  });

  it("reads an error given as one object, as the upsert page's example shows it, like the array form", async () => {
    env.sf.failNext(
      400,
      {
        message: "Required fields are missing: [LastName]",
        errorCode: "REQUIRED_FIELD_MISSING",
        fields: ["LastName"],
      },
      { on: "create" },
    );
    const { rt } = runtime();
    const error = await rejection(rt.actions.create!.run(lead(), config(), ctx()));
    expect(error.code).toBe("SALESFORCE_REQUIRED_FIELD_MISSING");
    expect(error.flowFields).toMatchObject({
      salesforceCode: "REQUIRED_FIELD_MISSING",
      fields: ["LastName"],
    });
  });

  it("explains a login URL that answers with a web page instead of a token", async () => {
    env.sf.failNext(200, "<!DOCTYPE html><html><body>Login</body></html>", { on: "token" });
    const { rt } = runtime();
    const error = await rejection(rt.test(config()));
    expect(error.code).toBe("SALESFORCE_REQUEST_FAILED");
    expect(error.message).toContain("Check the login URL");
  });

  it("treats a maintenance page from the token endpoint as Salesforce unavailable, not a wrong login URL", async () => {
    env.sf.failNext(503, "<html><body><h1>Down for maintenance</h1></body></html>", { on: "token" });
    const { rt } = runtime();
    const error = await rejection(rt.test(config()));
    expect(error.code).toBe("SALESFORCE_UNAVAILABLE");
    expect(error.retry).toBe("default");
    expect(error.message).not.toContain("login URL");
  });

  it("reports a refused connection as a retryable network error", async () => {
    const { rt } = runtime();
    const cfg = config();
    await env.sf.close();
    const error = await rejection(rt.test(cfg));
    expect(error.code).toBe("NETWORK_ERROR");
    expect(error.retry).toBe("default");
  });

  it("marks a refused create as certainly not sent (retried without a reconcile query), a cut write as unknown", async () => {
    // A token for an instance where nothing listens: the create's connection is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const tokens = memoryTokenStore();
    await tokens.set("c1", {
      accessToken: "00Dxx0000001gPL!t",
      instanceUrl: `http://127.0.0.1:${port}`,
      issuedAt: 1,
    });
    const { rt } = runtime(testDeps({ tokens }));
    const refused = await rejection(rt.actions.create!.run(lead(), config(), ctx()));
    expect(refused.code).toBe("NETWORK_ERROR");
    expect(refused.retry).toBe("default");
    expect(refused.details?.outcome).toBeUndefined();

    const cut = new FetchError("fetch failed (socket hang up)", { isRequestSent: true, reason: "network" });
    expect(networkError(cut, env.sf.url, true).details).toMatchObject({ outcome: "unknown" });
    // A read can always be repeated: its outcome does not matter.
    expect(networkError(cut, env.sf.url, false).details?.outcome).toBeUndefined();
  });

  it("rejects object and field names that could inject SOQL or URL paths", async () => {
    const { rt } = runtime();
    for (const input of [
      { object: "Lead WHERE Id != null", fields: { LastName: "x" } },
      { object: "../query", fields: {} },
      { object: "Lead", fields: { "LastName = 'x' OR Id": "y" } },
    ]) {
      const run = await rejection(rt.actions.create?.run(input, config(), ctx()) as Promise<unknown>);
      expect(run.code).toBe("SALESFORCE_FIELD_INVALID");
      const reconcile = await rejection(
        rt.actions.create?.reconcile?.(input, config(), ctx()) as Promise<unknown>,
      );
      expect(reconcile.code).toBe("SALESFORCE_FIELD_INVALID");
    }
    expect(env.sf.createRequests).toBe(0);
  });
});

describe("config", () => {
  it("normalizes the login URL and requires https except on loopback", () => {
    const base = { clientId: "a", clientSecret: "b", refreshToken: "c" };
    expect(SalesforceConfig.parse(base)).toMatchObject({
      loginUrl: "https://login.salesforce.com",
      apiVersion: "62.0",
    });
    expect(SalesforceConfig.parse({ ...base, loginUrl: "https://acme.my.salesforce.com/" }).loginUrl).toBe(
      "https://acme.my.salesforce.com",
    );
    expect(SalesforceConfig.parse({ ...base, loginUrl: "https://test.salesforce.com" }).loginUrl).toBe(
      "https://test.salesforce.com",
    );
    expect(SalesforceConfig.safeParse({ ...base, loginUrl: "http://login.salesforce.com" }).success).toBe(
      false,
    );
    expect(
      SalesforceConfig.safeParse({ ...base, loginUrl: "https://acme.lightning.force.com" }).success,
    ).toBe(false);
    for (const loopback of ["http://localhost:8080", "http://127.0.0.2:9", "http://[::1]:9"]) {
      expect(SalesforceConfig.safeParse({ ...base, loginUrl: loopback }).success, loopback).toBe(true);
    }
    expect(SalesforceConfig.safeParse({ ...base, loginUrl: "http://10.0.0.5" }).success).toBe(false);
    expect(SalesforceConfig.safeParse({ ...base, apiVersion: "62" }).success).toBe(false);
  });
});
