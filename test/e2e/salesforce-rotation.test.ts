import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * An org that rotates refresh tokens (mandatory from May 2026 for apps in more than two orgs)
 * revokes the whole token family when a rotated-out one is sent again. A connection's runtime made
 * afresh (a restart, a PATCH of any setting) refreshed with the refresh token in its config, which
 * the first refresh had rotated out: Salesforce revoked the live one, the connection needed
 * reconnecting and the next customer's Lead failed. The stored token holds the live one.
 */
describe("a Salesforce connection whose org rotates refresh tokens", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it("keeps refreshing with the newest refresh token after its runtime is made afresh", async () => {
    const { sf } = stack.sandbox;
    const app = sf.addConnectedApp({ rotatesRefreshTokens: true });
    const first = sf.issueRefreshToken(app.clientId);
    const created = await stack.http("POST", "/api/v1/connections", {
      type: "salesforce",
      name: "rotating",
      config: {
        loginUrl: sf.url,
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        refreshToken: first,
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const test = async () => {
      const res = await stack.http("POST", `/api/v1/connections/${id}/test`);
      return { status: res.status, body: await res.text() };
    };

    expect((await test()).status).toBe(200);
    expect(sf.isTokenActive(first)).toBe(false); // rotated out by the first refresh
    expect((await test()).status).toBe(200);

    // Any setting changed: the connection's runtime (and its token in memory) is made afresh.
    const patched = await stack.http("PATCH", `/api/v1/connections/${id}`, {
      config: { limitPauseMs: 60_000 },
    });
    expect(patched.status, await patched.clone().text()).toBe(200);
    const after = await test();
    expect(after, after.body).toMatchObject({ status: 200 });
    expect((await test()).status).toBe(200);
    const health = (await (await stack.http("GET", `/api/v1/connections/${id}`)).json()) as {
      health?: { status?: string };
    };
    expect(health.health?.status ?? "ok").not.toBe("reconnect_required");
  });
});
