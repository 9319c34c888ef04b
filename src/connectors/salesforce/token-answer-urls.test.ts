import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { rejection } from "./actions/test-runtime.js";
import { useConnectorFixture } from "./connector-fixture.js";
import { memoryTokenStore, testDeps } from "./test-helpers.js";

/**
 * What a token answer names: the identity URL is sent the access token, the instance URL every
 * call. Only secure base addresses are used, and an identity URL only with a signature that verifies.
 */
const { env, config, ctx, runtime, lead } = useConnectorFixture();

/** The token answer's signature as Salesforce computes it (reference/salesforce.md §1.4). */
const sign = (body: Record<string, unknown>) =>
  createHmac("sha256", config().clientSecret ?? "")
    .update(`${body.id}${body.issued_at}`)
    .digest("base64");

describe("the addresses a token answer names", () => {
  it("reads who it is from userinfo on the instance when the identity URL's host can't be reached", async () => {
    // The token response's `id` names another host (login.salesforce.com for most orgs): here one
    // where nothing listens, as behind an egress allowlist that only lets the org's host through.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const deps = testDeps({
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith("/services/oauth2/token")) return response;
        const body = (await response.json()) as Record<string, unknown>;
        body.id = `http://127.0.0.1:${port}/id/${env.sf.orgId}/${env.sf.userId}`;
        // Signed again, as Salesforce would sign that id: only a verified identity URL is used.
        body.signature = sign(body);
        return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
      },
    });
    const { rt } = runtime(deps);
    const result = await rt.test(config());
    expect(result).toMatchObject({
      organizationId: env.sf.orgId,
      userId: env.sf.userId,
      username: "integration@tern.example",
      displayName: "Tern Integration",
    });
  });

  it("never sends the access token to an identity URL that is not a secure base address or whose signature fails", async () => {
    const seen: string[] = [];
    let change: (body: Record<string, unknown>) => void = () => {};
    const deps = testDeps({
      fetch: async (input, init) => {
        seen.push(String(input));
        const response = await fetch(input, init);
        if (!String(input).endsWith("/services/oauth2/token")) return response;
        const body = (await response.json()) as Record<string, unknown>;
        change(body);
        return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
      },
    });
    const elsewhere = [
      // Plain http off loopback, signed as if Salesforce had said it.
      (b: Record<string, unknown>) => {
        b.id = `http://192.0.2.2:3949/id/${env.sf.orgId}/${env.sf.userId}`;
        b.signature = sign(b);
      },
      // A secure id whose signature does not verify (changed after Salesforce signed it).
      (b: Record<string, unknown>) => {
        b.id = `${env.sf.url}/id/00Dattacker000000/005attacker000000`;
      },
      // Credentials and a fragment in it.
      (b: Record<string, unknown>) => {
        b.id = `${env.sf.url.replace("http://", "http://admin:pw@")}/id/${env.sf.orgId}/${env.sf.userId}#x`;
        b.signature = sign(b);
      },
    ];
    for (const tamper of elsewhere) {
      change = tamper;
      seen.length = 0;
      const { rt } = runtime(deps);
      const result = await rt.test(config());
      // Who it is comes from userinfo on the instance instead.
      expect(result).toMatchObject({ organizationId: env.sf.orgId, userId: env.sf.userId });
      expect(seen.filter((url) => url.includes("/id/"))).toEqual([]);
      expect(seen.some((url) => url.includes("/services/oauth2/userinfo"))).toBe(true);
    }
  });

  it("refuses a token whose instance_url carries credentials, a query or a fragment, storing nothing", async () => {
    for (const instance of [
      env.sf.url.replace("http://", "http://admin:S3cretPw@"),
      `${env.sf.url}/x?y=1`,
      `${env.sf.url}#frag`,
    ]) {
      const deps = testDeps({
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (!String(input).endsWith("/services/oauth2/token")) return response;
          const body = (await response.json()) as Record<string, unknown>;
          body.instance_url = instance;
          return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
        },
      });
      const { rt } = runtime(deps);
      const error = await rejection(rt.test(config()));
      expect(error.code).toBe("SALESFORCE_AUTH_FAILED");
      expect(error.message).toContain("instance_url is not usable");
      expect(JSON.stringify(error)).not.toContain("S3cretPw");
      expect(await deps.tokens.get("c1")).toBeNull();
    }
  });

  it("passes the test when the identity URL refuses the token (no id scope), saying so; the API's own 403s still fail it", async () => {
    const identityAnswer = { body: "Forbidden", type: "text/plain" };
    const deps = testDeps({
      fetch: async (input, init) => {
        if (String(input).includes(`/id/${env.sf.orgId}/`))
          return new Response(identityAnswer.body, {
            status: 403,
            headers: { "content-type": identityAnswer.type },
          });
        return fetch(input, init);
      },
    });
    const { rt } = runtime(deps);
    const result = await rt.test(config());
    expect(result).toMatchObject({
      identity: expect.stringContaining("Access the identity URL service"),
      instanceUrl: env.sf.url,
      createable: { Lead: true, Case: true },
    });
    expect(result).not.toHaveProperty("userId");
    Object.assign(identityAnswer, {
      body: JSON.stringify([
        { errorCode: "API_DISABLED_FOR_ORG", message: "The REST API is not enabled for this Organization." },
      ]),
      type: "application/json",
    });
    await expect(rt.test(config())).rejects.toMatchObject({ code: "SALESFORCE_API_DISABLED" });
  });

  it("refuses, and does not store, a token whose instance_url is plain http on a public host", async () => {
    env.sf.failNext(
      200,
      {
        access_token: `${env.sf.orgId}!AQ4AQFakeTokenForTheTest`,
        instance_url: "http://eu42.salesforce.com",
        id: `${env.sf.url}/id/${env.sf.orgId}/${env.sf.userId}`,
        issued_at: String(Date.now()),
        token_type: "Bearer",
      },
      { on: "token" },
    );
    const { rt, deps } = runtime();
    const error = await rejection(rt.test(config()));
    expect(error.code).toBe("SALESFORCE_AUTH_FAILED");
    expect(error.message).toContain("must use https://");
    expect(error.retry).toBe("never");
    expect(await deps.tokens.get("c1")).toBeNull();
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain("FakeTokenForTheTest");
  });

  it("does not trust a stored token whose instance is plain http on a public host: it refreshes instead", async () => {
    const tokens = memoryTokenStore();
    await tokens.set("c1", {
      accessToken: "00Dxx0000001gPL!stale",
      instanceUrl: "http://eu42.salesforce.com",
      issuedAt: 1,
    });
    const { rt } = runtime(testDeps({ tokens }));
    await rt.actions.create?.run(lead(), config(), ctx());
    expect(env.sf.records("Lead")).toHaveLength(1);
    expect((await tokens.get("c1"))?.instanceUrl).toBe(env.sf.url);
  });
});
