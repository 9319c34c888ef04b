import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FetchLike } from "../../src/core/fetch.js";
import { createHttpFetch } from "../../src/core/http-fetch.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../src/sandbox/salesforce/index.js";
import { startBareTern } from "../helpers/in-process.js";

/**
 * An outside audit: DELETE and disconnect of a connection with If-Match revoked the refresh token
 * at Salesforce, and a PATCH that came while the revocation was on its way then made the DELETE
 * answer 412 (token revoked anyway) or was wiped by the disconnect (200, new token gone, never
 * revoked). Contract: a 412 changes nothing and revokes nothing. Each request below holds the
 * revocation at Salesforce (a gate on Tern's outgoing fetch) while a PATCH pastes a new token.
 */
describe("DELETE and disconnect of a connection with If-Match, a PATCH during the revocation", () => {
  let sf: SalesforceEmulator;
  let tern: Awaited<ReturnType<typeof startBareTern>>;
  let app: { clientId: string; clientSecret: string };
  /** The revocation in flight, held until released. */
  let gate: { reached: () => void; release: Promise<void> } | null = null;
  const http = createHttpFetch();
  const gatedFetch: FetchLike = async (input, init) => {
    if (gate && String(input).includes("/services/oauth2/revoke")) {
      const held = gate;
      held.reached();
      await held.release;
    }
    return http(input, init);
  };
  /** Holds the next revocation; `reached` resolves when Tern sends it. */
  const holdRevocation = () => {
    let reached!: () => void;
    let release!: () => void;
    const isReached = new Promise<void>((resolve) => {
      reached = resolve;
    });
    gate = { reached, release: new Promise<void>((resolve) => (release = resolve)) };
    return {
      reached: isReached,
      release: () => {
        gate = null;
        release();
      },
    };
  };
  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${tern.tern.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tern.tern.dataDir.adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ tokenLatencyMs: 0 });
    tern = await startBareTern({}, { fetch: gatedFetch });
    app = sf.addConnectedApp({ callbackUrl: `${tern.tern.url}/oauth/salesforce/callback` });
  });
  afterAll(async () => {
    await tern?.close();
    await sf?.close();
  });

  /** A connection with a pasted refresh token, and its ETag. */
  async function connected(name: string) {
    const res = await api("POST", "/connections", {
      type: "salesforce",
      name,
      config: { loginUrl: sf.url, ...app, refreshToken: sf.issueRefreshToken(app.clientId) },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const etag = (await api("GET", `/connections/${id}`)).headers.get("etag") ?? "";
    expect(etag).not.toBe("");
    return { id, etag };
  }

  it("DELETE: a 412 never revoked the token; a DELETE that revokes has committed first", async () => {
    const { id, etag } = await connected("sf-delete");
    const revokesBefore = sf.revokeRequests;
    const held = holdRevocation();
    const deleting = api("DELETE", `/connections/${id}`, undefined, { "if-match": etag });
    await held.reached;
    const newToken = sf.issueRefreshToken(app.clientId);
    const patched = await api("PATCH", `/connections/${id}`, { config: { refreshToken: newToken } });
    held.release();
    const deleted = await deleting;
    // The revocation was sent only after the delete committed: the PATCH found no connection.
    expect([deleted.status, patched.status]).toEqual([204, 404]);
    expect(deleted.headers.get("tern-revocation")).toBe("revoked");
    expect(sf.revokeRequests - revokesBefore).toBe(1);
    expect((await api("GET", `/connections/${id}`)).status).toBe(404);
  });

  it("DELETE with a stale If-Match: 412, nothing deleted, nothing revoked", async () => {
    const { id, etag } = await connected("sf-stale");
    expect((await api("PATCH", `/connections/${id}`, { name: "sf-stale-renamed" })).status).toBe(200);
    const revokesBefore = sf.revokeRequests;
    const deleted = await api("DELETE", `/connections/${id}`, undefined, { "if-match": etag });
    expect(deleted.status).toBe(412);
    expect(sf.revokeRequests).toBe(revokesBefore);
    expect((await api("GET", `/connections/${id}`)).status).toBe(200);
  });

  it("disconnect: the token a PATCH pasted during the revocation is kept, never wiped unrevoked", async () => {
    const { id, etag } = await connected("sf-disconnect");
    const held = holdRevocation();
    const disconnecting = api("POST", `/connections/${id}/disconnect`, undefined, { "if-match": etag });
    await held.reached;
    const newToken = sf.issueRefreshToken(app.clientId);
    const patched = await api("PATCH", `/connections/${id}`, { config: { refreshToken: newToken } });
    held.release();
    const disconnected = await disconnecting;
    expect([disconnected.status, patched.status]).toEqual([200, 200]);
    // The disconnect committed before its revocation; the PATCH after it: its token stays.
    const after = (await (await api("GET", `/connections/${id}`)).json()) as {
      isConnected: boolean;
      secrets: Record<string, string>;
    };
    expect(after).toMatchObject({ isConnected: true, secrets: { refreshToken: "set" } });
    expect(sf.isTokenActive(newToken)).toBe(true);
  });

  it("disconnect with a stale If-Match: 412, the token kept and not revoked", async () => {
    const { id, etag } = await connected("sf-disconnect-stale");
    const newToken = sf.issueRefreshToken(app.clientId);
    expect((await api("PATCH", `/connections/${id}`, { config: { refreshToken: newToken } })).status).toBe(
      200,
    );
    const revokesBefore = sf.revokeRequests;
    const res = await api("POST", `/connections/${id}/disconnect`, undefined, { "if-match": etag });
    expect(res.status).toBe(412);
    expect(sf.revokeRequests).toBe(revokesBefore);
    const after = (await (await api("GET", `/connections/${id}`)).json()) as { isConnected: boolean };
    expect(after.isConnected).toBe(true);
    expect(sf.isTokenActive(newToken)).toBe(true);
  });
});
