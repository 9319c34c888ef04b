import { describe, expect, it } from "vitest";
import { startSalesforceEmulator } from "../../../sandbox/salesforce/index.js";
import { SalesforceConfig, salesforceConnector } from "../index.js";
import { testDeps } from "../test-helpers.js";
import { rejection, useEmulator } from "./test-runtime.js";

/** DUPLICATES_DETECTED per step: fail, useExisting or allowSave (reference §2.1, §3). */
const { env, run } = useEmulator();

const newLead = (onDuplicate?: string) => ({
  object: "Lead",
  fields: { LastName: "Ada Again", Company: "Engines", Email: "ada@example.com" },
  ...(onDuplicate ? { onDuplicate } : {}),
});

describe("duplicate rules", () => {
  it("fails by default with the rule's message and the matching ids, creating nothing", async () => {
    env.sf.addDuplicateRule({ object: "Lead", matchFields: ["Email"], allowSave: true });
    const existing = env.sf.seedRecord("Lead", {
      LastName: "Ada",
      Company: "Engines",
      Email: "ada@example.com",
    });
    const error = await rejection(run("create", newLead()));
    expect(error.code).toBe("SALESFORCE_DUPLICATE");
    expect(error.message).toContain(
      'A Salesforce duplicate rule blocked the record ("Use one of these records?")',
    );
    expect(error.details).toMatchObject({ duplicateIds: [existing.Id], allowSave: true });
    expect(env.sf.records("Lead")).toHaveLength(1);
  });

  it("useExisting answers the matching record's id with duplicate: true and reads back from it", async () => {
    env.sf.addDuplicateRule({ object: "Lead", matchFields: ["Email"], allowSave: false });
    const existing = env.sf.seedRecord("Lead", {
      LastName: "Ada",
      Company: "Engines",
      Email: "ada@example.com",
    });
    const out = await run("create", { ...newLead("useExisting"), readBack: ["LastName"] });
    expect(out).toMatchObject({ id: existing.Id, duplicate: true, LastName: "Ada", success: true });
    expect(env.sf.records("Lead")).toHaveLength(1);
  });

  it("useExisting takes the matching Lead, never a Contact the standard Lead rule also matched", async () => {
    // Salesforce's standard Lead rule matches Leads and Contacts, one matchResult per object.
    env.sf.addDuplicateRule({
      object: "Lead",
      matchFields: ["Email"],
      allowSave: false,
      matchObjects: ["Contact", "Lead"],
    });
    const contact = env.sf.seedRecord("Contact", { LastName: "Ada", Email: "ada@example.com" });
    const error = await rejection(run("create", newLead("useExisting")));
    expect(error.code).toBe("SALESFORCE_DUPLICATE");
    expect(error.message).toContain(
      'matched Contact records, not a Lead, so "useExisting" has no Lead to use',
    );
    expect(error.details).toMatchObject({ duplicateIds: [contact.Id] });

    const lead = env.sf.seedRecord("Lead", { LastName: "Ada", Company: "Engines", Email: "ada@example.com" });
    const out = await run("create", newLead("useExisting"));
    expect(out).toMatchObject({ id: lead.Id, duplicate: true, success: true });
    expect(env.sf.records("Lead")).toHaveLength(1);
  });

  it("allowSave resends once with Sforce-Duplicate-Rule-Header when the rule is an alert", async () => {
    env.sf.addDuplicateRule({ object: "Lead", matchFields: ["Email"], allowSave: true });
    env.sf.seedRecord("Lead", { LastName: "Ada", Company: "Engines", Email: "ada@example.com" });
    const usage = env.sf.apiUsage;
    const out = await run("create", newLead("allowSave"));
    expect(out).toMatchObject({ id: expect.stringMatching(/^00Q/), success: true });
    expect(out).not.toHaveProperty("duplicate");
    expect(env.sf.records("Lead").map((l) => l.LastName)).toEqual(["Ada", "Ada Again"]);
    expect(env.sf.createRequests).toBe(2);
    expect(env.sf.apiUsage - usage).toBe(3); // the describe and the two creates
  });

  it("allowSave still fails on a blocking rule, saying why and what to do", async () => {
    env.sf.addDuplicateRule({ object: "Lead", matchFields: ["Email"], allowSave: false });
    env.sf.seedRecord("Lead", { LastName: "Ada", Company: "Engines", Email: "ada@example.com" });
    const error = await rejection(run("create", newLead("allowSave")));
    expect(error.code).toBe("SALESFORCE_DUPLICATE");
    expect(error.message).toContain('can\'t bypass it: use onDuplicate "useExisting"');
    expect(env.sf.records("Lead")).toHaveLength(1);
  });

  it("applies the policy to updates and upserts too", async () => {
    env.sf.addDuplicateRule({ object: "Contact", matchFields: ["Phone"], allowSave: true });
    const first = env.sf.seedRecord("Contact", { LastName: "A", Phone: "+15550100" });
    const second = env.sf.seedRecord("Contact", { LastName: "B", Phone: "+15550199" });
    const update = { object: "Contact", id: second.Id, fields: { Phone: "+15550100" } };
    expect((await rejection(run("update", update))).code).toBe("SALESFORCE_DUPLICATE");
    expect(await run("update", { ...update, onDuplicate: "useExisting" })).toMatchObject({
      id: first.Id,
      duplicate: true,
    });
    const upsert = {
      object: "Contact",
      externalIdField: "WhatsApp_Id__c",
      externalId: "wa-1",
      fields: { LastName: "C", Phone: "+15550100" },
    };
    expect(await run("upsert", { ...upsert, onDuplicate: "allowSave" })).toMatchObject({ created: true });
    expect(env.sf.records("Contact")).toHaveLength(3);
  });
});

describe("allowSave in external id mode (Tern_Key__c)", () => {
  it("resends as an upsert on the effect key, so the saved record carries it and a retry cannot add a second", async () => {
    const sf = await startSalesforceEmulator({ ternKeyField: true });
    try {
      sf.addDuplicateRule({ object: "Lead", matchFields: ["Email"], allowSave: true });
      sf.seedRecord("Lead", { LastName: "Ada", Company: "Engines", Email: "ada@example.com" });
      const rt = salesforceConnector.create("c1", testDeps());
      const config = SalesforceConfig.parse({ ...sf.credentials });
      const ctx = { connectionId: "c1", intentAt: Date.now(), key: "run_1:1:0" };
      const out = (await rt.actions.create?.run(newLead("allowSave"), config, ctx)) as { id: string };
      const again = (await rt.actions.create?.run(newLead("allowSave"), config, ctx)) as { id: string };
      expect(again.id).toBe(out.id);
      const leads = sf.records("Lead");
      expect(leads).toHaveLength(2);
      expect(leads.find((l) => l.Id === out.id)).toMatchObject({
        LastName: "Ada Again",
        Tern_Key__c: "run_1:1:0",
      });
    } finally {
      await sf.close();
    }
  });
});
