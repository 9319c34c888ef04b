import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SalesforceEmulator, startSalesforceEmulator } from "./index.js";

/** Wire shapes of update, upsert, get ?fields= and duplicate rules (reference §2.3, §3). */
let sf: SalesforceEmulator;
let accessToken: string;
beforeEach(async () => {
  sf = await startSalesforceEmulator();
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
  accessToken = ((await response.json()) as { access_token: string }).access_token;
});
afterEach(async () => {
  await sf.close();
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sf.instanceUrl}/services/data/v62.0${path}`, {
    method,
    headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : null };
}

describe("emulator: update", () => {
  it("answers 204 with no body, stores the values and moves LastModifiedDate", async () => {
    const lead = sf.seedRecord("Lead", { LastName: "Hopper", Company: "Navy" }, { createdAt: 1_000 });
    const r = await api("PATCH", `/sobjects/Lead/${lead.Id}`, { Company: "Harvard", Phone: "+15550100" });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(r.headers.get("sforce-limit-info")).toMatch(/^api-usage=\d+\/15000$/);
    const [stored] = sf.records("Lead");
    expect(stored).toMatchObject({ Company: "Harvard", Phone: "+15550100", LastName: "Hopper" });
    expect(stored?.LastModifiedDate).not.toBe(stored?.CreatedDate);
  });

  it("answers 404 NOT_FOUND for an unknown id and INVALID_FIELD_FOR_INSERT_UPDATE for read-only fields", async () => {
    const missing = await api("PATCH", "/sobjects/Lead/00Q000000000000AAA", { Company: "x" });
    expect(missing).toMatchObject({
      status: 404,
      body: [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }],
    });
    const kase = sf.seedRecord("Case", { Subject: "Printer", SuppliedName: "Ada" });
    const readOnly = await api("PATCH", `/sobjects/Case/${kase.Id}`, { CaseNumber: "1" });
    expect(readOnly.status).toBe(400);
    expect(readOnly.body[0]).toMatchObject({
      errorCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
      fields: ["CaseNumber"],
    });
    // Supplied* fields can be set on create only (reference §4.2).
    const supplied = await api("PATCH", `/sobjects/Case/${kase.Id}`, { SuppliedName: "Bob" });
    expect(supplied.body[0]).toMatchObject({
      errorCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
      fields: ["SuppliedName"],
    });
  });
});

describe("emulator: upsert by external id", () => {
  it("creates (201, created: true), then updates the same record (200, created: false)", async () => {
    const first = await api("PATCH", "/sobjects/Contact/WhatsApp_Id__c/15550100", { LastName: "Lamarr" });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^003/),
      success: true,
      errors: [],
      created: true,
    });
    const second = await api("PATCH", "/sobjects/Contact/whatsapp_id__c/15550100", { FirstName: "Hedy" });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id: first.body.id, success: true, errors: [], created: false });
    expect(sf.records("Contact")).toEqual([
      expect.objectContaining({
        Id: first.body.id,
        FirstName: "Hedy",
        LastName: "Lamarr",
        WhatsApp_Id__c: "15550100",
      }),
    ]);
  });

  it("answers 300 with the matching record URLs when the value matches several records", async () => {
    const a = sf.seedRecord("Lead", { LastName: "A", Company: "X", WhatsApp_Id__c: "dup" });
    const b = sf.seedRecord("Lead", { LastName: "B", Company: "X", WhatsApp_Id__c: "DUP" });
    const r = await api("PATCH", "/sobjects/Lead/WhatsApp_Id__c/dup", { Company: "Y" });
    expect(r.status).toBe(300);
    expect(r.body).toEqual([
      `/services/data/v62.0/sobjects/Lead/${a.Id}`,
      `/services/data/v62.0/sobjects/Lead/${b.Id}`,
    ]);
  });

  it.each(["Phone", "Nope__c"])(
    "answers 404 NOT_FOUND for %s, which is not an External ID field",
    async (field) => {
      const r = await api("PATCH", `/sobjects/Lead/${field}/1`, { Company: "Y" });
      expect(r).toMatchObject({
        status: 404,
        body: [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }],
      });
    },
  );

  it("answers a bad percent-encoding in the key with 404, not a crash", async () => {
    const r = await api("PATCH", "/sobjects/Lead/WhatsApp_Id__c/%E0%A4%A", { Company: "Y" });
    expect(r.status).toBe(404);
  });
});

describe("emulator: get and CaseNumber", () => {
  it("numbers Cases 00001001, 00001002 and returns only ?fields= with attributes", async () => {
    const one = await api("POST", "/sobjects/Case/", { Subject: "One", Origin: "Web" });
    const two = await api("POST", "/sobjects/Case/", { Subject: "Two" });
    const got = await api("GET", `/sobjects/Case/${two.body.id}?fields=CaseNumber,Subject`);
    expect(got.body).toEqual({
      attributes: { type: "Case", url: `/services/data/v62.0/sobjects/Case/${two.body.id}` },
      CaseNumber: "00001002",
      Subject: "Two",
    });
    expect(sf.records("Case").map((c) => [c.Id, c.CaseNumber, c.Status, c.Priority])).toEqual([
      [one.body.id, "00001001", "New", "Medium"],
      [two.body.id, "00001002", "New", "Medium"],
    ]);
  });
});

describe("emulator: duplicate rules", () => {
  it("refuses a matching create with DUPLICATES_DETECTED and duplicateResult, and an alert rule saves with the header", async () => {
    sf.addDuplicateRule({ object: "Lead", matchFields: ["Email"], allowSave: true });
    const existing = sf.seedRecord("Lead", { LastName: "A", Company: "X", Email: "ada@example.com" });
    const body = { LastName: "B", Company: "Y", Email: "ADA@example.com " };
    const refused = await api("POST", "/sobjects/Lead/", body);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual([
      {
        duplicateResult: expect.objectContaining({
          allowSave: true,
          duplicateRuleEntityType: "Lead",
          errorMessage: "Use one of these records?",
          matchResults: [
            expect.objectContaining({
              entityType: "Lead",
              size: 1,
              success: true,
              matchRecords: [
                expect.objectContaining({
                  matchConfidence: 100,
                  record: {
                    attributes: { type: "Lead", url: `/services/data/v62.0/sobjects/Lead/${existing.Id}` },
                    Id: existing.Id,
                  },
                }),
              ],
            }),
          ],
        }),
        errorCode: "DUPLICATES_DETECTED",
        message: "Use one of these records?",
      },
    ]);
    const saved = await api("POST", "/sobjects/Lead/", body, {
      "Sforce-Duplicate-Rule-Header": "allowSave=true; includeRecordDetails=true",
    });
    expect(saved.status).toBe(201);
    expect(sf.records("Lead")).toHaveLength(2);
  });

  it("a blocking rule refuses even with allowSave=true, on create and on update", async () => {
    sf.addDuplicateRule({ object: "Lead", matchFields: ["Phone"], allowSave: false });
    sf.seedRecord("Lead", { LastName: "A", Company: "X", Phone: "+15550100" });
    const other = sf.seedRecord("Lead", { LastName: "B", Company: "X", Phone: "+15550199" });
    const header = { "Sforce-Duplicate-Rule-Header": "allowSave=true" };
    const created = await api(
      "POST",
      "/sobjects/Lead/",
      { LastName: "C", Company: "X", Phone: "+15550100" },
      header,
    );
    expect(created.body[0]).toMatchObject({
      errorCode: "DUPLICATES_DETECTED",
      duplicateResult: { allowSave: false },
    });
    const updated = await api("PATCH", `/sobjects/Lead/${other.Id}`, { Phone: "+15550100" }, header);
    expect(updated.body[0]).toMatchObject({ errorCode: "DUPLICATES_DETECTED" });
    expect(sf.records("Lead").map((l) => l.Phone)).toEqual(["+15550100", "+15550199"]);
  });
});
