import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore, type TestStore } from "../../test/helpers/test-store.js";
import { AppError } from "../core/app-error.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../sandbox/salesforce/index.js";
import { createConnectionAdmin } from "./connection-admin.js";
import { createIntegrations } from "./integrations.js";
import { createOAuthConnect } from "./oauth-connect.js";

/** The state's life: hashed at rest, sealed verifier, expiry after 10 minutes (moved clock). */
let store: TestStore;
let sf: SalesforceEmulator;
let now = Date.now();
const clock = { now: () => now };
const log = { info() {}, warn() {} };

beforeEach(async () => {
  store = await openTestStore();
  sf = await startSalesforceEmulator({ tokenLatencyMs: 0 });
});
afterEach(async () => {
  await sf.close();
  await store.close();
});

async function setup() {
  const integrations = createIntegrations(store, { fetch: (i, o) => fetch(i, o), clock, log });
  const admin = createConnectionAdmin({
    store,
    integrations,
    clock,
  });
  const { clientId, clientSecret } = sf.credentials;
  const record = await admin.create({
    type: "salesforce",
    name: "sf",
    config: { loginUrl: sf.url, clientId, clientSecret },
  });
  const service = createOAuthConnect({
    store,
    integrations,
    clock,
    fetch: (i, o) => fetch(i, o),
    publicUrl: () => "https://tern.example",
    log,
  });
  return { record, service };
}

/** What Salesforce's consent page sends the browser back with. */
async function approve(authorizeUrl: string): Promise<URLSearchParams> {
  const res = await fetch(authorizeUrl, { redirect: "manual" });
  return new URL(res.headers.get("location") ?? "").searchParams;
}

describe("OAuth connect state", () => {
  it("stores only the state's hash and the PKCE verifier sealed", async () => {
    const { record, service } = await setup();
    const { authorizeUrl } = await service.start(record.id);
    const state = new URL(authorizeUrl).searchParams.get("state") ?? "";
    const rows = await store.db.all(store.db.q.selectFrom("oauth_states").selectAll());
    expect(rows).toHaveLength(1);
    expect(rows[0]?.state_hash).not.toBe(state);
    expect(rows[0]?.verifier_sealed).toMatch(/^v1\./);
    expect(rows[0]?.connection_id).toBe(record.id);
  });

  it("refuses a state after 10 minutes without calling Salesforce, and changes nothing", async () => {
    const { record, service } = await setup();
    const { authorizeUrl } = await service.start(record.id);
    const back = await approve(authorizeUrl);
    now += 10 * 60_000 + 1;
    const error = await service.callback("salesforce", back).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("OAUTH_STATE_INVALID");
    expect(sf.tokenRequests).toBe(0);
    expect((await store.connections.get(record.id))?.config).not.toHaveProperty("refreshToken");
    expect(await store.tokens.get(record.id)).toBeNull();
  });

  it("says a denial without a state is a denial (Salesforce's own example has none), reflecting no free text", async () => {
    const { record, service } = await setup();
    await service.start(record.id);
    const query = new URLSearchParams({ error: "access-denied", error_description: "<b>call 555</b>" });
    const error = await service.callback("salesforce", query).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "OAUTH_DENIED" });
    expect((error as AppError).message).toContain("(access-denied)");
    expect((error as AppError).message).toContain("Nothing was changed");
    expect((error as AppError).message).not.toContain("555");
    // Not a shape Salesforce sends: still "not a callback Tern made".
    await expect(
      service.callback("salesforce", new URLSearchParams({ error: "<script>x</script>" })),
    ).rejects.toMatchObject({ code: "OAUTH_STATE_INVALID" });
    expect(sf.tokenRequests).toBe(0);
  });

  it("refuses a state made for another connector type", async () => {
    const { record, service } = await setup();
    const back = await approve((await service.start(record.id)).authorizeUrl);
    await expect(service.callback("hubspot", back)).rejects.toMatchObject({ code: "OAUTH_STATE_INVALID" });
  });
});

describe("stored tokens across config edits", () => {
  it("keeps a rotated refresh token when only apiVersion changes, forgets it when credentials change", async () => {
    const { record } = await setup();
    const integrations = createIntegrations(store, { fetch: (i, o) => fetch(i, o), clock, log });
    const admin = createConnectionAdmin({
      store,
      integrations,
      clock,
    });
    const token = { accessToken: "00Dx!a", instanceUrl: sf.url, issuedAt: now, refreshToken: "rotated" };
    await store.tokens.set(record.id, token);
    await admin.update(record.id, { config: { apiVersion: "61.0" } });
    expect(await store.tokens.get(record.id)).toEqual(token);
    await admin.update(record.id, { config: { clientSecret: "another" } });
    expect(await store.tokens.get(record.id)).toBeNull();
  });
});

describe("revocation", () => {
  it("does not revoke a refresh token another connection also uses, and says so", async () => {
    const { service } = await setup();
    const integrations = createIntegrations(store, { fetch: (i, o) => fetch(i, o), clock, log });
    const admin = createConnectionAdmin({
      store,
      integrations,
      clock,
    });
    const config = { ...sf.credentials };
    const a = await admin.create({ type: "salesforce", name: "a", config });
    await admin.create({ type: "salesforce", name: "b", config });
    expect(await service.revoke(a)).toEqual({
      revoked: false,
      reason: 'not revoked: the connection "b" uses the same refresh token',
    });
    expect(sf.revokeRequests).toBe(0);
    expect(sf.isTokenActive(sf.credentials.refreshToken)).toBe(true);
  });
});
