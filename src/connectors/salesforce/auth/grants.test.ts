import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../../core/app-error.js";
import type { FetchLike } from "../../../core/fetch.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../../sandbox/salesforce/index.js";
import { SalesforceConfig, salesforceConnector } from "../index.js";
import { memoryTokenStore, testDeps } from "../test-helpers.js";
import { salesforceOAuth } from "./oauth.js";

/** One test per grant type against the emulator (issue 7, "Must show" 1). */
let sf: SalesforceEmulator | undefined;
afterEach(async () => {
  await sf?.close();
  sf = undefined;
});

const ctx = { connectionId: "c1", intentAt: Date.now(), key: "k1" };
const lead = { object: "Lead", fields: { LastName: "Lovelace", Company: "Analytical Engines" } };

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

/** The authorize leg as a browser does it: GET, read the 302's Location. */
async function authorize(config: SalesforceConfig, redirectUri: string, challenge: string, state = "s1") {
  const url = salesforceOAuth.authorizeUrl(config, { redirectUri, state, codeChallenge: challenge });
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status).toBe(302);
  return { url: new URL(url), location: new URL(response.headers.get("location") ?? "") };
}

describe("web server flow with PKCE", () => {
  it("redirects to the login host's authorize URL, then trades the code once for a refresh token that works", async () => {
    sf = await startSalesforceEmulator();
    const redirectUri = "https://tern.example/oauth/salesforce/callback";
    sf.addConnectedApp({ clientId: "app1", clientSecret: "secret1", callbackUrl: redirectUri });
    const config = SalesforceConfig.parse({ loginUrl: sf.url, clientId: "app1", clientSecret: "secret1" });
    const { verifier, challenge } = pkce();
    const { url, location } = await authorize(config, redirectUri, challenge);
    expect(url.origin + url.pathname).toBe(`${sf.url}/services/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "app1",
      redirect_uri: redirectUri,
      scope: "api refresh_token",
      state: "s1",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    expect(location.searchParams.get("state")).toBe("s1");
    const code = location.searchParams.get("code") ?? "";
    const deps = testDeps();
    const done = await salesforceOAuth.exchangeCode(
      config,
      { code, redirectUri, codeVerifier: verifier },
      deps,
    );
    expect(done.configPatch.refreshToken).toMatch(/^5Aep861/);
    expect(done.token.instanceUrl).toBe(sf.instanceUrl);
    expect(done.token).not.toHaveProperty("refreshToken");
    // Single-use: the same code again is refused.
    const replay = await rejection(
      salesforceOAuth.exchangeCode(config, { code, redirectUri, codeVerifier: verifier }, deps),
    );
    expect(replay.message).toMatch(/expired or was already used/);
    // The refresh token it gave refreshes and creates.
    const connected = SalesforceConfig.parse({ ...config, ...done.configPatch });
    const rt = salesforceConnector.create("c1", deps);
    await rt.actions.create?.run(lead, connected, ctx);
    expect(sf.grantTypes).toEqual(["authorization_code", "authorization_code", "refresh_token"]);
  });

  it("refuses a code with the wrong PKCE verifier", async () => {
    sf = await startSalesforceEmulator();
    const redirectUri = "http://127.0.0.1:9/cb";
    const config = SalesforceConfig.parse({ ...sf.credentials, refreshToken: undefined });
    const { location } = await authorize(config, redirectUri, pkce().challenge);
    const error = await rejection(
      salesforceOAuth.exchangeCode(
        config,
        { code: location.searchParams.get("code") ?? "", redirectUri, codeVerifier: pkce().verifier },
        testDeps(),
      ),
    );
    // Salesforce's documented answer to a wrong verifier is invalid_request, not invalid_grant.
    expect(error.details).toMatchObject({
      error: "invalid_request",
      error_description: "invalid code verifier",
    });
    expect(error.message).toMatch(/PKCE code verifier/);
    expect(error.message).toMatch(/different hosts.*test\.salesforce\.com.*My Domain/);
    expect(error.message).toMatch(/started twice and the older link was used/);
    expect(error.message).toMatch(/Start the connection again/);
  });

  it("is not connected until the callback: a create says how to connect", async () => {
    sf = await startSalesforceEmulator();
    const config = SalesforceConfig.parse({ ...sf.credentials, refreshToken: undefined });
    expect(salesforceOAuth.isConnected(config)).toBe(false);
    const error = await rejection(
      salesforceConnector.create("c1", testDeps()).actions.create?.run(lead, config, ctx) ??
        Promise.resolve(),
    );
    expect(error.code).toBe("SALESFORCE_RECONNECT_REQUIRED");
    expect(error.message).toMatch(/oauth\/start/);
    expect(sf.tokenRequests).toBe(0);
  });
});

describe("refresh token lifecycle", () => {
  it("persists a rotated refresh token so a restarted process refreshes with it, not the rotated-out one", async () => {
    sf = await startSalesforceEmulator();
    const app = sf.addConnectedApp({ rotatesRefreshTokens: true });
    const original = sf.issueRefreshToken(app.clientId);
    const config = SalesforceConfig.parse({ ...app, refreshToken: original, loginUrl: sf.url });
    const tokens = memoryTokenStore();
    await salesforceConnector.create("c1", testDeps({ tokens })).actions.create?.run(lead, config, ctx);
    const rotated = (await tokens.get("c1"))?.refreshToken ?? "";
    expect(rotated).toMatch(/^5Aep861/);
    expect(sf.isTokenActive(original)).toBe(false);
    // "Restart": a new runtime over the same store, sessions expired meanwhile.
    sf.expireAccessTokens();
    await salesforceConnector.create("c1", testDeps({ tokens })).actions.create?.run(lead, config, ctx);
    const next = (await tokens.get("c1"))?.refreshToken ?? "";
    expect(next).not.toBe(rotated);
    // Reusing a rotated-out token would have revoked the family: the newest one still works.
    expect(sf.isTokenActive(next)).toBe(true);
    expect(sf.records("Lead")).toHaveLength(2);
  });

  it("revokes the reconnected grant, and a rotated token of the older grant a racing refresh stored", async () => {
    sf = await startSalesforceEmulator();
    const app = sf.addConnectedApp({ rotatesRefreshTokens: true });
    const first = sf.issueRefreshToken(app.clientId);
    const tokens = memoryTokenStore();
    const deps = testDeps({ tokens });
    const before = SalesforceConfig.parse({ ...app, refreshToken: first, loginUrl: sf.url });
    await salesforceConnector.create("c1", deps).actions.create?.run(lead, before, ctx);
    const olderRotated = (await tokens.get("c1"))?.refreshToken ?? "";
    expect(sf.isTokenActive(olderRotated)).toBe(true);
    // A reconnect put a new grant's token in the config; the store still holds the older one's.
    const reconnected = sf.issueRefreshToken(app.clientId);
    const after = SalesforceConfig.parse({ ...app, refreshToken: reconnected, loginUrl: sf.url });
    expect(await salesforceOAuth.revoke(after, await tokens.get("c1"), deps)).toEqual({ revoked: true });
    // Disconnected means neither grant works any more.
    expect(sf.isTokenActive(reconnected)).toBe(false);
    expect(sf.isTokenActive(olderRotated)).toBe(false);
  });

  it("revokes the refresh token and its access tokens; a second revoke says why it failed", async () => {
    sf = await startSalesforceEmulator();
    const config = SalesforceConfig.parse(sf.credentials);
    const deps = testDeps();
    await salesforceConnector.create("c1", deps).actions.create?.run(lead, config, ctx);
    const stored = await deps.tokens.get("c1");
    expect(await salesforceOAuth.revoke(config, stored, deps)).toEqual({ revoked: true });
    expect(sf.isTokenActive(config.refreshToken ?? "")).toBe(false);
    expect(sf.isTokenActive(stored?.accessToken ?? "")).toBe(false);
    const again = await salesforceOAuth.revoke(config, stored, deps);
    expect(again).toEqual({ revoked: false, reason: "Salesforce answered invalid_token" });
  });
});

describe("username-password grant", () => {
  const passwordConfig = (emulator: SalesforceEmulator, over: Record<string, unknown> = {}) =>
    SalesforceConfig.parse({
      loginUrl: emulator.url,
      grant: "password",
      clientId: emulator.credentials.clientId,
      clientSecret: emulator.credentials.clientSecret,
      username: emulator.credentials.username,
      password: emulator.credentials.password,
      securityToken: emulator.credentials.securityToken,
      ...over,
    });

  it("logs in with the security token appended, stores no refresh token, and logs in again when the session expires", async () => {
    sf = await startSalesforceEmulator();
    const deps = testDeps();
    const rt = salesforceConnector.create("c1", deps);
    await rt.actions.create?.run(lead, passwordConfig(sf), ctx);
    expect(await deps.tokens.get("c1")).not.toHaveProperty("refreshToken");
    sf.expireAccessTokens();
    await rt.actions.create?.run(lead, passwordConfig(sf), ctx);
    expect(sf.grantTypes).toEqual(["password", "password"]);
    expect(sf.records("Lead")).toHaveLength(2);
  });

  it("says what to check when the login fails, and that Summer '23 orgs block the flow", async () => {
    sf = await startSalesforceEmulator();
    const rt = salesforceConnector.create("c1", testDeps());
    const noToken = await rejection(rt.test(passwordConfig(sf, { securityToken: undefined })));
    expect(noToken.message).toMatch(/security token/);
    await sf.close();
    sf = await startSalesforceEmulator({ isPasswordFlowBlocked: true });
    const blocked = await rejection(salesforceConnector.create("c2", testDeps()).test(passwordConfig(sf)));
    expect(blocked.details?.error_description).toBe("authentication failure");
    expect(blocked.message).toMatch(/Summer '23/);
    expect(blocked.message).not.toContain(sf.credentials.password);
  });
});

describe("client credentials grant", () => {
  const ccConfig = (emulator: SalesforceEmulator, loginUrl = emulator.url) =>
    SalesforceConfig.parse({
      loginUrl,
      grant: "client_credentials",
      clientId: emulator.credentials.clientId,
      clientSecret: emulator.credentials.clientSecret,
    });

  it("works on a My Domain host", async () => {
    sf = await startSalesforceEmulator({ hostKind: "mydomain" });
    const deps = testDeps();
    await salesforceConnector.create("c1", deps).actions.create?.run(lead, ccConfig(sf), ctx);
    expect(sf.grantTypes).toEqual(["client_credentials"]);
    expect(await deps.tokens.get("c1")).not.toHaveProperty("refreshToken");
  });

  it("is refused on login and test hosts: at config validation, and by the host itself", async () => {
    sf = await startSalesforceEmulator({ hostKind: "login" });
    for (const host of ["https://login.salesforce.com", "https://test.salesforce.com"]) {
      const parsed = SalesforceConfig.safeParse({
        loginUrl: host,
        grant: "client_credentials",
        clientId: "a",
        clientSecret: "b",
      });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/only on the org's My Domain/);
    }
    const error = await rejection(salesforceConnector.create("c1", testDeps()).test(ccConfig(sf)));
    expect(error.details?.error_description).toBe("request not supported on this domain");
    expect(error.message).toMatch(/My Domain/);
  });
});

describe("JWT bearer grant", () => {
  const keys = () => generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = (k: ReturnType<typeof keys>) => ({
    privateKey: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: k.publicKey.export({ type: "spki", format: "pem" }).toString(),
  });

  it("signs iss/sub/aud/exp with RS256; the emulator verifies the signature with the app's certificate", async () => {
    sf = await startSalesforceEmulator();
    const { privateKey, publicKey } = pem(keys());
    const app = sf.addConnectedApp({ certificate: publicKey });
    const config = SalesforceConfig.parse({
      loginUrl: sf.url,
      grant: "jwt_bearer",
      clientId: app.clientId,
      username: sf.credentials.username,
      privateKey,
    });
    const forms: URLSearchParams[] = [];
    const spy: FetchLike = (input, init) => {
      if (String(input).endsWith("/oauth2/token")) forms.push(new URLSearchParams(String(init?.body)));
      return fetch(input, init);
    };
    const deps = testDeps({ fetch: spy });
    await salesforceConnector.create("c1", deps).actions.create?.run(lead, config, ctx);
    expect(sf.grantTypes).toEqual(["urn:ietf:params:oauth:grant-type:jwt-bearer"]);
    const [header, claims] = (forms[0]?.get("assertion") ?? "")
      .split(".")
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, "base64url").toString()));
    expect(header).toEqual({ alg: "RS256" });
    expect(claims).toMatchObject({ iss: app.clientId, sub: sf.credentials.username, aud: sf.url });
    expect(claims.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 180);
    expect(forms[0]?.has("client_secret")).toBe(false);
    expect(await deps.tokens.get("c1")).not.toHaveProperty("refreshToken");
  });

  it("is refused when signed with another key or when the user is not pre-authorized, saying what to fix", async () => {
    sf = await startSalesforceEmulator();
    const right = pem(keys());
    const other = pem(keys());
    const app = sf.addConnectedApp({ certificate: right.publicKey });
    const base = {
      loginUrl: sf.url,
      grant: "jwt_bearer",
      clientId: app.clientId,
      username: sf.credentials.username,
    };
    const wrongKey = await rejection(
      salesforceConnector
        .create("c1", testDeps())
        .test(SalesforceConfig.parse({ ...base, privateKey: other.privateKey })),
    );
    expect(wrongKey.details?.error_description).toBe("invalid assertion");
    expect(wrongKey.message).toMatch(/certificate/);
    const unapproved = sf.addConnectedApp({ certificate: right.publicKey, isUserPreAuthorized: false });
    const notApproved = await rejection(
      salesforceConnector
        .create("c2", testDeps())
        .test(
          SalesforceConfig.parse({ ...base, clientId: unapproved.clientId, privateKey: right.privateKey }),
        ),
    );
    expect(notApproved.message).toMatch(/pre-authorized/);
    expect(SalesforceConfig.safeParse({ ...base, privateKey: "not a key" }).success).toBe(false);
  });
});
