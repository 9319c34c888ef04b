import { createHash, createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SalesforceEmulator, startSalesforceEmulator } from "./index.js";

let sf: SalesforceEmulator;
beforeEach(async () => {
  sf = await startSalesforceEmulator({ clock: { now: () => 1_767_225_600_000 } });
});
afterEach(async () => {
  await sf.close();
});

async function token(fields: Record<string, string> = {}) {
  const { clientId, clientSecret, refreshToken } = sf.credentials;
  const response = await fetch(`${sf.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: refreshToken,
      ...fields,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function api(path: string, accessToken: string | null, init: RequestInit = {}) {
  const response = await fetch(`${sf.instanceUrl}/services/data/v62.0${path}`, {
    ...init,
    headers: {
      ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
      "Content-Type": "application/json",
    },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

describe("token endpoint", () => {
  it("answers a refresh grant with Salesforce's fields, a verifiable signature and no expires_in", async () => {
    const { status, body } = await token();
    expect(status).toBe(200);
    expect(body.access_token).toMatch(new RegExp(`^${sf.orgId.slice(0, 15)}!`));
    expect(body.instance_url).toBe(sf.url);
    expect(body.id).toBe(`${sf.url}/id/${sf.orgId}/${sf.userId}`);
    expect(body.token_type).toBe("Bearer");
    expect(body.issued_at).toBe("1767225600000");
    expect(body).not.toHaveProperty("expires_in");
    expect(body).not.toHaveProperty("refresh_token");
    const expected = createHmac("sha256", sf.credentials.clientSecret)
      .update(`${body.id}${body.issued_at}`)
      .digest("base64");
    expect(body.signature).toBe(expected);
    expect(sf.grantTypes).toEqual(["refresh_token"]);
  });

  it.each([
    [{ client_id: "nope" }, "invalid_client_id", "client identifier invalid"],
    [{ client_secret: "wrong" }, "invalid_client", "invalid client credentials"],
    [{ client_secret: "" }, "invalid_client", "invalid client credentials"],
    [{ refresh_token: "5Aep861bogus" }, "invalid_grant", "expired access/refresh token"],
    [{ grant_type: "magic" }, "unsupported_grant_type", "grant type not supported"],
  ])("rejects %o with %s", async (fields, error, description) => {
    const { status, body } = await token(fields);
    expect(status).toBe(400);
    expect(body).toEqual({ error, error_description: description });
  });

  it("rejects a revoked refresh token with invalid_grant", async () => {
    sf.revokeRefreshToken();
    expect((await token()).body).toEqual({
      error: "invalid_grant",
      error_description: "expired access/refresh token",
    });
  });

  it("rejects a second refresh of the same token while the first is processed", async () => {
    const [a, b] = await Promise.all([token(), token()]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    expect([a.body, b.body]).toContainEqual({
      error: "invalid_grant",
      error_description: "token request is already being processed",
    });
  });

  it("rotates refresh tokens when the app asks for it, and reuse of an old one revokes the family", async () => {
    const app = sf.addConnectedApp({ rotatesRefreshTokens: true });
    const first = sf.issueRefreshToken(app.clientId);
    const rotated = await token({
      ...app,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      refresh_token: first,
    });
    expect(rotated.body.refresh_token).toMatch(/^5Aep861/);
    const reuse = await token({
      client_id: app.clientId,
      client_secret: app.clientSecret,
      refresh_token: first,
    });
    expect(reuse.body.error).toBe("invalid_grant");
    const next = rotated.body.refresh_token as string;
    const afterReuse = await token({
      client_id: app.clientId,
      client_secret: app.clientSecret,
      refresh_token: next,
    });
    expect(afterReuse.body.error).toBe("invalid_grant");
  });

  it("serves the identity URL for a valid token and 403 Bad_OAuth_Token for an expired one", async () => {
    const { body } = await token();
    const identity = await fetch(body.id as string, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(identity.status).toBe(200);
    expect(await identity.json()).toMatchObject({
      user_id: sf.userId,
      organization_id: sf.orgId,
      username: "integration@tern.example",
      display_name: "Tern Integration",
      urls: { rest: `${sf.url}/services/data/v{version}/` },
    });
    sf.expireAccessTokens();
    const expired = await fetch(body.id as string, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(expired.status).toBe(403);
    expect(await expired.text()).toBe("Bad_OAuth_Token");
  });
});

describe("authorization-code flow", () => {
  it("redirects with a single-use code and exchanges it with the PKCE verifier for a refresh token", async () => {
    const { clientId, clientSecret } = sf.credentials;
    const verifier = "v".repeat(64);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const redirectUri = "http://127.0.0.1:9/oauth/callback";
    const authorize = new URL(`${sf.url}/services/oauth2/authorize`);
    for (const [k, v] of Object.entries({
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      state: "s1",
      code_challenge: challenge,
      scope: "api refresh_token",
    })) {
      authorize.searchParams.set(k, v);
    }
    const redirect = await fetch(authorize, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get("location") as string);
    expect(location.searchParams.get("state")).toBe("s1");
    const code = location.searchParams.get("code") as string;
    const exchange = { grant_type: "authorization_code", code, redirect_uri: redirectUri };
    // A wrong verifier is invalid_request, a missing one invalid_grant (reference §1.1).
    expect((await token({ ...exchange, code_verifier: "wrong" })).body).toEqual({
      error: "invalid_request",
      error_description: "invalid code verifier",
    });
    const missing = await fetch(authorize, { redirect: "manual" });
    const code1 = new URL(missing.headers.get("location") as string).searchParams.get("code") as string;
    expect((await token({ ...exchange, code: code1 })).body).toEqual({
      error: "invalid_grant",
      error_description: "invalid code verifier",
    });

    const again = await fetch(authorize, { redirect: "manual" });
    const code2 = new URL(again.headers.get("location") as string).searchParams.get("code") as string;
    const ok = await token({
      ...exchange,
      code: code2,
      code_verifier: verifier,
      client_id: clientId,
      client_secret: clientSecret,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toMatch(/^5Aep861/);
    expect(ok.body.scope).toBe("api refresh_token");
    const reused = await token({ ...exchange, code: code2, code_verifier: verifier });
    expect(reused.body).toEqual({ error: "invalid_grant", error_description: "expired authorization code" });
    const refreshed = await token({ refresh_token: ok.body.refresh_token as string });
    expect(refreshed.status).toBe(200);
  });
});

describe("data API", () => {
  it("lists versions without authentication", async () => {
    const response = await fetch(`${sf.url}/services/data/`);
    const versions = (await response.json()) as Array<{ version: string; label: string }>;
    expect(versions).toContainEqual({ label: "Winter '25", url: "/services/data/v62.0", version: "62.0" });
  });

  it("lists the objects (describeGlobal, GET /sobjects/) in Salesforce's shape", async () => {
    const { body: t } = await token();
    const { status, body } = await api("/sobjects/", t.access_token as string);
    expect(status).toBe(200);
    expect(body).toMatchObject({ encoding: "UTF-8", maxBatchSize: 200 });
    const lead = (body.sobjects as Array<Record<string, unknown>>).find((o) => o.name === "Lead");
    expect(lead).toMatchObject({
      name: "Lead",
      label: "Lead",
      labelPlural: "Leads",
      keyPrefix: "00Q",
      createable: true,
      queryable: true,
      updateable: true,
      custom: false,
      urls: { describe: "/services/data/v62.0/sobjects/Lead/describe" },
    });
    expect((await api("/sobjects/", null)).status).toBe(401);
  });

  it("creates a Lead with 201, a Location, defaults and the limit header", async () => {
    const { body: t } = await token();
    const created = await api("/sobjects/Lead/", t.access_token as string, {
      method: "POST",
      body: JSON.stringify({ LastName: "  Ada ", Company: "Analytical", LeadSource: "WhatsApp" }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^00Q\w{15}$/), success: true, errors: [] });
    expect(created.headers.get("location")).toBe(`/services/data/v62.0/sobjects/Lead/${created.body.id}`);
    expect(created.headers.get("sforce-limit-info")).toBe("api-usage=1/15000");
    const [lead] = sf.records("Lead");
    expect(lead).toMatchObject({ Id: created.body.id, LastName: "Ada", Status: "Open - Not Contacted" });
    expect(lead?.CreatedDate).toBe("2026-01-01T00:00:00.000+0000");
    const got = await api(`/sobjects/Lead/${created.body.id}`, t.access_token as string);
    expect(got.body).toMatchObject({ attributes: { type: "Lead" }, Company: "Analytical", Email: null });
  });

  it.each([
    [
      { Company: "X" },
      400,
      [
        {
          errorCode: "REQUIRED_FIELD_MISSING",
          message: "Required fields are missing: [LastName]",
          fields: ["LastName"],
        },
      ],
    ],
    [
      {},
      400,
      [
        {
          errorCode: "REQUIRED_FIELD_MISSING",
          message: "Required fields are missing: [LastName, Company]",
          fields: ["LastName", "Company"],
        },
      ],
    ],
    [
      { LastName: "A", Company: "B", Foo: 1 },
      400,
      [{ errorCode: "INVALID_FIELD", message: "No such column 'Foo' on sobject of type Lead" }],
    ],
    [
      { LastName: "x".repeat(81), Company: "B" },
      400,
      [
        {
          errorCode: "STRING_TOO_LONG",
          message: `Last Name: data value too large: ${"x".repeat(81)} (max length=80)`,
          fields: ["LastName"],
        },
      ],
    ],
    [
      { LastName: "A", Company: "B", Status: "Hot lead" },
      400,
      [
        {
          errorCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
          message: "Status: bad value for restricted picklist field: Hot lead",
          fields: ["Status"],
        },
      ],
    ],
    [
      { Id: "00Q000000000000AAA", LastName: "A", Company: "B" },
      400,
      [{ errorCode: "INVALID_FIELD", message: "The Id field should not be specified in the sobject data." }],
    ],
  ])("rejects create body %o", async (body, status, errors) => {
    const { body: t } = await token();
    const res = await api("/sobjects/Lead/", t.access_token as string, {
      method: "POST",
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(status);
    expect(res.body).toEqual(errors);
  });

  it("answers auth, org and routing problems like Salesforce", async () => {
    const { body: t } = await token();
    const at = t.access_token as string;
    expect((await api("/sobjects/Foo/", at, { method: "POST", body: "{}" })).body).toEqual([
      { errorCode: "NOT_FOUND", message: "The requested resource does not exist" },
    ]);
    expect((await api("/sobjects/Lead/", at, { method: "POST", body: "{nope" })).body[0].errorCode).toBe(
      "JSON_PARSER_ERROR",
    );
    expect(await api("/query?q=SELECT+Id+FROM+Lead", null)).toMatchObject({
      status: 401,
      body: [{ message: "INVALID_HEADER_TYPE", errorCode: "INVALID_AUTH_HEADER" }],
    });
    sf.setApiDisabled(true);
    expect(await api("/query?q=SELECT+Id+FROM+Lead", at)).toMatchObject({
      status: 403,
      body: [
        { errorCode: "API_DISABLED_FOR_ORG", message: "The REST API is not enabled for this Organization." },
      ],
    });
    sf.setApiDisabled(false);
    sf.expireAccessTokens();
    expect(await api("/query?q=SELECT+Id+FROM+Lead", at)).toMatchObject({
      status: 401,
      body: [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }],
    });
  });

  it("describes Lead with the required-field rule clients use", async () => {
    const { body: t } = await token();
    const { body } = await api("/sobjects/Lead/describe", t.access_token as string);
    expect(body.keyPrefix).toBe("00Q");
    const required = body.fields
      .filter(
        (f: { createable: boolean; nillable: boolean; defaultedOnCreate: boolean }) =>
          f.createable && !f.nillable && !f.defaultedOnCreate,
      )
      .map((f: { name: string }) => f.name)
      .sort();
    expect(required).toEqual(["Company", "LastName"]);
    expect(body.fields.find((f: { name: string }) => f.name === "Description")).toMatchObject({
      type: "textarea",
      length: 32000,
      filterable: false,
    });
  });

  it("queries with WHERE, CreatedDate, ORDER BY and LIMIT", async () => {
    sf.seedRecord(
      "Lead",
      { LastName: "O'Brien", Company: "Acme" },
      { createdAt: Date.parse("2025-12-01T00:00:00Z") },
    );
    const newer = sf.seedRecord("Lead", { LastName: "O'Brien", Company: "Acme" });
    sf.seedRecord("Lead", { LastName: "Other", Company: "Acme" });
    const { body: t } = await token();
    const q =
      "SELECT Id, LastName FROM Lead WHERE LastName = 'o\\'brien' AND Company = 'ACME' AND CreatedDate >= 2026-01-01T00:00:00Z ORDER BY CreatedDate DESC LIMIT 5";
    const { body } = await api(`/query?q=${encodeURIComponent(q)}`, t.access_token as string);
    expect(body).toEqual({
      totalSize: 1,
      done: true,
      records: [
        {
          attributes: { type: "Lead", url: `/services/data/v62.0/sobjects/Lead/${newer.Id}` },
          Id: newer.Id,
          LastName: "O'Brien",
        },
      ],
    });
  });

  it.each([
    ["SELECT Id FRM Lead", "MALFORMED_QUERY", "unexpected token: 'FRM'"],
    [
      "SELECT Foo FROM Lead",
      "INVALID_FIELD",
      "\nSELECT Foo FROM Lead\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Lead'.",
    ],
    ["SELECT Id FROM Foo", "INVALID_TYPE", "sObject type 'Foo' is not supported."],
    [
      "SELECT Id FROM Lead WHERE Description = 'x'",
      "INVALID_FIELD",
      "field 'Description' can not be filtered in query call",
    ],
    [
      "SELECT Id FROM Lead WHERE CreatedDate >= '2026-01-01'",
      "INVALID_FIELD",
      "must be of type dateTime and should not be enclosed in quotes",
    ],
    [
      "SELECT Id FROM Lead WHERE LastName = 'a' OR Company = 'b' AND City = 'c'",
      "MALFORMED_QUERY",
      "unexpected token: 'AND'",
    ],
  ])("rejects %s with %s", async (q, errorCode, text) => {
    const { body: t } = await token();
    const { status, body } = await api(`/query?q=${encodeURIComponent(q)}`, t.access_token as string);
    expect(status).toBe(400);
    expect(body[0].errorCode).toBe(errorCode);
    expect(body[0].message).toContain(text);
  });

  it("commits a held create and answers only on release", async () => {
    const { body: t } = await token();
    sf.holdCreates();
    const pending = api("/sobjects/Lead/", t.access_token as string, {
      method: "POST",
      body: JSON.stringify({ LastName: "Held", Company: "Co" }),
    });
    const record = await sf.waitForCreate();
    expect(sf.records("Lead").map((r) => r.Id)).toEqual([record.Id]);
    sf.releaseCreates();
    expect((await pending).body.id).toBe(record.Id);
  });

  it("injects faults on the next matching request", async () => {
    const { body: t } = await token();
    sf.failNext(503, [{ errorCode: "SERVER_UNAVAILABLE", message: "Server unavailable" }], { on: "create" });
    const failed = await api("/sobjects/Lead/", t.access_token as string, {
      method: "POST",
      body: JSON.stringify({ LastName: "A", Company: "B" }),
    });
    expect(failed.status).toBe(503);
    const ok = await api("/sobjects/Lead/", t.access_token as string, {
      method: "POST",
      body: JSON.stringify({ LastName: "A", Company: "B" }),
    });
    expect(ok.status).toBe(201);
    expect(sf.createRequests).toBe(2);
    expect(sf.records("Lead")).toHaveLength(1);
  });
});

describe("record pages", () => {
  it("serves a record's page at <instance>/<id> (the link a run carries), its fields as text; 404 for another id", async () => {
    const lead = sf.seedRecord("Lead", { LastName: "<b>O'Brien</b>", Company: "Acme & Co" });
    const page = await fetch(`${sf.instanceUrl}/${lead.Id}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(`Lead ${lead.Id}`);
    expect(html).toContain("&#60;b&#62;O&#39;Brien&#60;/b&#62;");
    expect(html).not.toContain("<b>O'Brien</b>");
    expect(html).toContain("Acme &#38; Co");
    expect((await fetch(`${sf.instanceUrl}/00Q000000000000AAA`)).status).toBe(404);
  });
});

describe("records(object, where)", () => {
  it("picks records on their stored values before shaping them (Try it reads the conversation view twice a second)", () => {
    for (let i = 0; i < 2_000; i++)
      sf.seedRecord("Lead", { LastName: `n${i}`, Company: "c", Phone: `+1555000${i}` });
    const seen: unknown[] = [];
    const found = sf.records("Lead", (fields) => {
      seen.push(fields.CreatedDate);
      return fields.Phone === "+15550001999";
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ LastName: "n1999", CreatedDate: "2026-01-01T00:00:00.000+0000" });
    // The predicate saw the stored time (ms), so no record was shaped to be looked at.
    expect(seen).toHaveLength(2_000);
    expect(typeof seen[0]).toBe("number");
    expect(sf.records("Lead")).toHaveLength(2_000);
  });
});
