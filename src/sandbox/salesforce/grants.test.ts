import { createSign, generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type SalesforceEmulator, startSalesforceEmulator } from "./index.js";

/** The emulator's wire answers for the grants without refresh token and for revoke (reference §1.2, §1.5, §1.6). */
let sf: SalesforceEmulator | undefined;
afterEach(async () => {
  await sf?.close();
  sf = undefined;
});

const post = (emulator: SalesforceEmulator, path: string, form: Record<string, string>) =>
  fetch(`${emulator.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });

describe("emulated token grants and revoke", () => {
  it("answers the password grant without refresh_token or scope, and 400 authentication failure when blocked", async () => {
    sf = await startSalesforceEmulator();
    const { clientId, clientSecret, username, password, securityToken } = sf.credentials;
    const form = { grant_type: "password", client_id: clientId, client_secret: clientSecret, username };
    const ok = await post(sf, "/services/oauth2/token", { ...form, password: `${password}${securityToken}` });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      "access_token",
      "id",
      "instance_url",
      "issued_at",
      "signature",
      "token_type",
    ]);
    const noToken = await post(sf, "/services/oauth2/token", { ...form, password });
    expect(noToken.status).toBe(400);
    expect(await noToken.json()).toEqual({
      error: "invalid_grant",
      error_description: "authentication failure",
    });
  });

  it("serves client_credentials only as a My Domain host", async () => {
    for (const hostKind of ["login", "test"] as const) {
      sf = await startSalesforceEmulator({ hostKind });
      const res = await post(sf, "/services/oauth2/token", {
        grant_type: "client_credentials",
        client_id: sf.credentials.clientId,
        client_secret: sf.credentials.clientSecret,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: "invalid_grant",
        error_description: "request not supported on this domain",
      });
      await sf.close();
    }
    sf = await startSalesforceEmulator({ hostKind: "mydomain" });
    const app = sf.addConnectedApp({ hasRunAsUser: false });
    const noUser = await post(sf, "/services/oauth2/token", {
      grant_type: "client_credentials",
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(await noUser.json()).toEqual({
      error: "invalid_grant",
      error_description: "no client credentials user enabled",
    });
  });

  it("refuses a JWT whose exp is more than 3 minutes ahead or whose audience is another host", async () => {
    sf = await startSalesforceEmulator();
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const app = sf.addConnectedApp({
      certificate: publicKey.export({ type: "spki", format: "pem" }).toString(),
    });
    const sign = (claims: object) => {
      const input = `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
      return `${input}.${createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url")}`;
    };
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: app.clientId, sub: sf.credentials.username, aud: sf.url, exp: now + 120 };
    const grant = (assertion: string) =>
      post(sf as SalesforceEmulator, "/services/oauth2/token", {
        grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion,
      });
    expect((await grant(sign(claims))).status).toBe(200);
    expect(await (await grant(sign({ ...claims, exp: now + 600 }))).json()).toMatchObject({
      error_description: "invalid assertion",
    });
    expect(
      await (await grant(sign({ ...claims, aud: "https://login.salesforce.com" }))).json(),
    ).toMatchObject({
      error_description: "audience is invalid",
    });
  });

  it("revokes with 200 and an empty body; an unknown token gets 400 invalid_token, none unsupported_token_type", async () => {
    sf = await startSalesforceEmulator();
    const ok = await post(sf, "/services/oauth2/revoke", { token: sf.credentials.refreshToken });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("");
    expect(sf.isTokenActive(sf.credentials.refreshToken)).toBe(false);
    const again = await post(sf, "/services/oauth2/revoke", { token: sf.credentials.refreshToken });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe("invalid_token");
    const none = await post(sf, "/services/oauth2/revoke", {});
    expect(((await none.json()) as { error: string }).error).toBe("unsupported_token_type");
  });
});
