import { afterEach, describe, expect, it } from "vitest";
import { type SalesforceEmulator, startSalesforceEmulator } from "./index.js";

/** sObject Collections on the emulator, per reference/salesforce.md §2.7. */
let sf: SalesforceEmulator;
afterEach(async () => {
  await sf?.close();
});

async function start(options: { ternKeyField?: boolean } = {}): Promise<string> {
  sf = await startSalesforceEmulator(options);
  const { clientId, clientSecret, refreshToken } = sf.credentials;
  const response = await fetch(`${sf.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: refreshToken,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function call(token: string, method: string, path: string, body: unknown) {
  const response = await fetch(`${sf.instanceUrl}/services/data/v62.0${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: wire bodies are checked field by field below
  const json: any = await response.json();
  return { status: response.status, headers: response.headers, body: json };
}

const lead = (fields: Record<string, unknown>) => ({ attributes: { type: "Lead" }, ...fields });

describe("POST /composite/sobjects", () => {
  it("creates mixed types in input order; a bad record fails alone with statusCode, not errorCode", async () => {
    const token = await start();
    const { status, headers, body } = await call(token, "POST", "/composite/sobjects", {
      allOrNone: false,
      records: [
        lead({ LastName: "One", Company: "A" }),
        lead({ LastName: "Two" }),
        { attributes: { type: "Case" }, Subject: "Broken" },
        lead({ LastName: "x".repeat(81), Company: "B" }),
      ],
    });
    expect(status).toBe(200);
    expect(headers.get("sforce-limit-info")).toMatch(/^api-usage=\d+\/15000$/);
    expect(body).toEqual([
      { id: expect.stringMatching(/^00Q\w{15}$/), success: true, errors: [] },
      {
        success: false,
        errors: [
          {
            statusCode: "REQUIRED_FIELD_MISSING",
            message: "Required fields are missing: [Company]",
            fields: ["Company"],
          },
        ],
      },
      { id: expect.stringMatching(/^500\w{15}$/), success: true, errors: [] },
      {
        success: false,
        errors: [expect.objectContaining({ statusCode: "STRING_TOO_LONG", fields: ["LastName"] })],
      },
    ]);
    expect(sf.records("Lead").map((r) => r.LastName)).toEqual(["One"]);
    expect(sf.records("Case")).toHaveLength(1);
    expect(sf.apiCalls["collection-create"]).toBe(1);
    expect(sf.createRequests).toBe(4);
  });

  it("with allOrNone rolls every good record back", async () => {
    const token = await start();
    const { status, body } = await call(token, "POST", "/composite/sobjects", {
      allOrNone: true,
      records: [lead({ LastName: "Good", Company: "A" }), lead({ Company: "no name" })],
    });
    expect(status).toBe(200);
    expect(body[0].errors[0].statusCode).toBe("ALL_OR_NONE_OPERATION_ROLLED_BACK");
    expect(body[1].errors[0].statusCode).toBe("REQUIRED_FIELD_MISSING");
    expect(sf.records("Lead")).toHaveLength(0);
  });

  it.each([
    ["a body that is not JSON", "{records:", "JSON_PARSER_ERROR"],
    ["no records list", { allOrNone: false }, "INVALID_FIELD"],
    ["a record without attributes.type", { records: [{ LastName: "x", Company: "y" }] }, "INVALID_TYPE"],
    ["allOrNone that is not a boolean", { allOrNone: "yes", records: [] }, "JSON_PARSER_ERROR"],
    [
      "201 records",
      { records: Array.from({ length: 201 }, (_, i) => lead({ LastName: `L${i}`, Company: "C" })) },
      "EXCEEDED_ID_LIMIT",
    ],
  ])("answers 400 to %s and saves nothing", async (_what, body, errorCode) => {
    const token = await start();
    const answer = await call(token, "POST", "/composite/sobjects", body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual([expect.objectContaining({ errorCode })]);
    expect(sf.records("Lead")).toHaveLength(0);
  });

  it("holds a collection like a single create: committed, answer withheld, connection dropped on demand", async () => {
    const token = await start();
    sf.holdCreates();
    const pending = call(token, "POST", "/composite/sobjects", {
      records: [lead({ LastName: "A", Company: "C" }), lead({ LastName: "B", Company: "C" })],
    }).catch((error: unknown) => error);
    const second = await sf.waitForCreate(2);
    expect(sf.records("Lead").map((r) => r.Id)).toContain(second.Id);
    sf.releaseCreates({ drop: true });
    expect(await pending).toBeInstanceOf(Error);
    expect(sf.records("Lead")).toHaveLength(2);
  });

  it("releases a held collection as SaveResults without ids on demand (saved, ids withheld)", async () => {
    const token = await start();
    sf.holdCreates();
    const pending = call(token, "POST", "/composite/sobjects", {
      records: [lead({ LastName: "A", Company: "C" }), lead({ LastName: "B" })],
    });
    await sf.waitForCreate(1);
    sf.releaseCreates({ withoutIds: true });
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([
      { success: true, errors: [] },
      { success: false, errors: [expect.objectContaining({ statusCode: "REQUIRED_FIELD_MISSING" })] },
    ]);
    expect(sf.records("Lead")).toHaveLength(1);
  });
});

describe("PATCH /composite/sobjects/{Type}/{ExtIdField}", () => {
  it("is NOT_FOUND when the object has no such external id field (the org without Tern_Key__c)", async () => {
    const token = await start();
    const answer = await call(token, "PATCH", "/composite/sobjects/Lead/Tern_Key__c", {
      records: [lead({ LastName: "A", Company: "C", Tern_Key__c: "k1" })],
    });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual([
      { errorCode: "NOT_FOUND", message: "The requested resource does not exist" },
    ]);
    expect(sf.records("Lead")).toHaveLength(0);
  });

  it("with Tern_Key__c: creates, then updates the same record for the same key (case-insensitive)", async () => {
    const token = await start({ ternKeyField: true });
    const describe = await fetch(`${sf.instanceUrl}/services/data/v62.0/sobjects/Lead/describe`, {
      headers: { Authorization: `Bearer ${token}` },
    }).then((r) => r.json() as Promise<{ fields: Array<Record<string, unknown>> }>);
    expect(describe.fields.find((f) => f.name === "Tern_Key__c")).toMatchObject({
      type: "string",
      length: 255,
      externalId: true,
      unique: true,
      custom: true,
      idLookup: true,
    });
    const first = await call(token, "PATCH", "/composite/sobjects/Lead/Tern_Key__c", {
      allOrNone: false,
      records: [lead({ LastName: "A", Company: "C", Tern_Key__c: "run-1:2:0" })],
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual([{ id: expect.any(String), success: true, errors: [], created: true }]);
    const again = await call(token, "PATCH", "/composite/sobjects/Lead/tern_key__c", {
      records: [
        lead({ LastName: "A2", Company: "C", Tern_Key__c: "RUN-1:2:0" }),
        lead({ LastName: "B", Company: "C", Tern_Key__c: "run-2:2:0" }),
      ],
    });
    expect(again.body).toEqual([
      { id: first.body[0].id, success: true, errors: [], created: false },
      { id: expect.any(String), success: true, errors: [], created: true },
    ]);
    expect(sf.records("Lead").map((r) => [r.LastName, r.Tern_Key__c])).toEqual([
      ["A2", "RUN-1:2:0"],
      ["B", "run-2:2:0"],
    ]);
    expect(sf.apiCalls).toMatchObject({ "collection-upsert": 2, describe: 1 });
  });

  it("fails a record without its key, and both records sharing a key, each alone", async () => {
    const token = await start({ ternKeyField: true });
    const { body } = await call(token, "PATCH", "/composite/sobjects/Case/Tern_Key__c", {
      records: [
        { attributes: { type: "Case" }, Subject: "no key" },
        { attributes: { type: "Case" }, Subject: "a", Tern_Key__c: "k" },
        { attributes: { type: "Case" }, Subject: "b", Tern_Key__c: "K" },
        { attributes: { type: "Case" }, Subject: "ok", Tern_Key__c: "k2" },
      ],
    });
    expect(
      body.map(
        (r: { success: boolean; errors: Array<{ statusCode: string }> }) => r.errors[0]?.statusCode ?? "ok",
      ),
    ).toEqual(["MISSING_ARGUMENT", "DUPLICATE_VALUE", "DUPLICATE_VALUE", "ok"]);
    expect(sf.records("Case").map((r) => r.Subject)).toEqual(["ok"]);
  });

  it("refuses records of another type than the URL's", async () => {
    const token = await start({ ternKeyField: true });
    const answer = await call(token, "PATCH", "/composite/sobjects/Lead/Tern_Key__c", {
      records: [{ attributes: { type: "Case" }, Subject: "x", Tern_Key__c: "k" }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body[0].errorCode).toBe("INVALID_TYPE");
  });
});
