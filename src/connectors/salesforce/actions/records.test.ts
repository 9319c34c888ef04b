import { describe, expect, it } from "vitest";
import { recordUrl } from "./record-output.js";
import { rejection, useEmulator } from "./test-runtime.js";

const { env, run } = useEmulator();

describe("salesforce.create outputs", () => {
  it("reads back the CaseNumber Salesforce assigned, with one GET ?fields=, and the record's url", async () => {
    const before = env.sf.apiUsage;
    const out = await run("create", {
      object: "Case",
      fields: { Subject: "Printer on fire", Origin: "Web", SuppliedName: "Ada", SuppliedPhone: "+15550100" },
      readBack: ["CaseNumber"],
    });
    const [stored] = env.sf.records("Case");
    expect(out).toEqual({
      id: stored?.Id,
      object: "Case",
      success: true,
      CaseNumber: stored?.CaseNumber,
      url: `${env.sf.instanceUrl}/${stored?.Id}`,
    });
    expect(stored?.CaseNumber).toBe("00001001");
    // The describe (phone and length shaping, the exactly-once mode), the create and one GET.
    expect(env.sf.apiUsage - before).toBe(3);
  });

  it("keeps the created record when reading back fails: no retry of the create, the reason in readBackError", async () => {
    env.sf.failNext(503, [{ errorCode: "SERVER_UNAVAILABLE", message: "Server unavailable" }], {
      on: "get",
      times: 2,
    });
    const out = await run("create", {
      object: "Case",
      fields: { Subject: "Still here" },
      readBack: ["CaseNumber"],
    });
    expect(env.sf.records("Case")).toHaveLength(1);
    expect(out).toMatchObject({ id: env.sf.records("Case")[0]?.Id, success: true });
    expect(out).not.toHaveProperty("CaseNumber");
    expect(out.readBackError).toMatch(
      /^Case 500\w+ was saved, but reading CaseNumber back failed: Salesforce is temporarily unavailable/,
    );
  });
});

describe("salesforce.update", () => {
  it("patches the record (204) and reads fields back", async () => {
    const lead = env.sf.seedRecord("Lead", { LastName: "Hopper", Company: "Navy" });
    const out = await run("update", {
      object: "Lead",
      id: lead.Id,
      fields: { Company: "Harvard", Phone: "+15550100" },
      readBack: ["Name", "Company"],
    });
    expect(out).toMatchObject({
      id: lead.Id,
      object: "Lead",
      Name: "Hopper",
      Company: "Harvard",
      success: true,
    });
    expect(env.sf.records("Lead")[0]).toMatchObject({ Company: "Harvard", Phone: "+15550100" });
  });

  it("says which record is missing, and that read-only fields must leave the mapping", async () => {
    const missing = await rejection(
      run("update", { object: "Lead", id: "00Q000000000000AAA", fields: { Company: "x" } }),
    );
    expect(missing.code).toBe("SALESFORCE_REQUEST_FAILED");
    expect(missing.message).toContain("Salesforce has no Lead record 00Q000000000000AAA");
    expect(missing.details).toMatchObject({ httpStatus: 404, errorCode: "NOT_FOUND" });
    const kase = env.sf.seedRecord("Case", { Subject: "x" });
    const readOnly = await rejection(
      run("update", { object: "Case", id: kase.Id, fields: { CaseNumber: "1" } }),
    );
    expect(readOnly.code).toBe("SALESFORCE_FIELD_INVALID");
    expect(readOnly.message).toMatch(/remove read-only fields from the mapping/i);
  });

  it("refuses an id that is not a record id before any request", async () => {
    const before = env.sf.apiUsage;
    const bad = await rejection(
      run("update", { object: "Lead", id: "../Account/x", fields: { Company: "x" } }),
    );
    expect(bad.code).toBe("VALIDATION_FAILED");
    expect(env.sf.apiUsage).toBe(before);
  });
});

describe("salesforce.upsert", () => {
  it("creates, then updates the same record, reporting created true then false", async () => {
    const input = {
      object: "Contact",
      externalIdField: "WhatsApp_Id__c",
      externalId: "15550100",
      fields: { LastName: "Lamarr", WhatsApp_Id__c: "ignored: the key wins" },
    };
    const first = await run("upsert", input);
    const second = await run("upsert", { ...input, fields: { LastName: "Lamarr", FirstName: "Hedy" } });
    expect(first).toMatchObject({ created: true, object: "Contact", success: true });
    expect(second).toMatchObject({ id: first.id, created: false });
    expect(env.sf.records("Contact")).toEqual([
      expect.objectContaining({ FirstName: "Hedy", WhatsApp_Id__c: "15550100" }),
    ]);
  });

  it("explains several matches (300) and a field that is not an External ID (404)", async () => {
    env.sf.seedRecord("Lead", { LastName: "A", Company: "X", WhatsApp_Id__c: "dup" });
    env.sf.seedRecord("Lead", { LastName: "B", Company: "X", WhatsApp_Id__c: "dup" });
    const several = await rejection(
      run("upsert", {
        object: "Lead",
        externalIdField: "WhatsApp_Id__c",
        externalId: "dup",
        fields: { Company: "Y" },
      }),
    );
    expect(several.message).toMatch(/^2 Lead records share this WhatsApp_Id__c value/);
    expect(several.details).toMatchObject({
      httpStatus: 300,
      matchingIds: [expect.any(String), expect.any(String)],
    });
    const notExternal = await rejection(
      run("upsert", { object: "Lead", externalIdField: "Phone", externalId: "1", fields: { Company: "Y" } }),
    );
    expect(notExternal.message).toContain("the field exists and is marked External ID");
    expect(notExternal.details).toMatchObject({ httpStatus: 404, errorCode: "NOT_FOUND" });
  });

  it("takes an update answered 204 without a body (API 45.0 and earlier) and reads the id by the key", async () => {
    const seeded = env.sf.seedRecord("Contact", { LastName: "Lamarr", WhatsApp_Id__c: "15550199" });
    env.sf.failNext(204, undefined, { on: "upsert" });
    const out = await run("upsert", {
      object: "Contact",
      externalIdField: "WhatsApp_Id__c",
      externalId: "15550199",
      fields: { FirstName: "Hedy" },
    });
    expect(out).toMatchObject({ id: seeded.Id, created: false, success: true });
  });

  it("keeps a key with / or ? inside one path segment", async () => {
    const out = await run("upsert", {
      object: "Contact",
      externalIdField: "WhatsApp_Id__c",
      externalId: "a/b?c=1",
      fields: { LastName: "Slash" },
    });
    expect(out.created).toBe(true);
    expect(env.sf.records("Contact")[0]?.WhatsApp_Id__c).toBe("a/b?c=1");
  });
});

describe("salesforce.get", () => {
  it("returns the asked fields without Salesforce's attributes", async () => {
    const kase = env.sf.seedRecord("Case", { Subject: "Hello" });
    const out = await run("get", { object: "Case", id: kase.Id, fields: ["CaseNumber", "Subject"] });
    expect(out).toEqual({
      CaseNumber: kase.CaseNumber,
      Subject: "Hello",
      id: kase.Id,
      object: "Case",
      url: `${env.sf.instanceUrl}/${kase.Id}`,
    });
  });
});

describe("record urls for people", () => {
  it.each([
    ["https://acme.my.salesforce.com", "https://acme.lightning.force.com/lightning/r/Case/500x/view"],
    [
      "https://acme--uat.sandbox.my.salesforce.com/",
      "https://acme--uat.sandbox.lightning.force.com/lightning/r/Case/500x/view",
    ],
    ["https://na1.salesforce.com", "https://na1.salesforce.com/500x"],
    ["http://127.0.0.1:4000", "http://127.0.0.1:4000/500x"],
  ])("%s → %s", (instance, url) => {
    expect(recordUrl(instance, "Case", "500x")).toBe(url);
  });
});
