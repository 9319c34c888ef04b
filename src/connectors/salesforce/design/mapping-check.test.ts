import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateFlowDesign } from "../../../flows/design-check.js";
import type { DesignEnv } from "../../../flows/step.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../../sandbox/salesforce/index.js";
import { stepRegistry } from "../../../steps.js";
import { emulatorDesignEnv } from "../test-helpers.js";
import { checkSalesforceMapping, type MappingSpec } from "./mapping-check.js";

/** The mapping check against the emulator's describe, fetched over loopback through a real runtime. */
let sf: SalesforceEmulator;
let env: DesignEnv;
beforeAll(async () => {
  sf = await startSalesforceEmulator();
  env = emulatorDesignEnv(sf);
});
afterAll(async () => {
  await sf.close();
});

const check = (spec: Partial<MappingSpec> & Pick<MappingSpec, "fields">) =>
  checkSalesforceMapping(env, { connection: "salesforce", object: "Lead", operation: "create", ...spec });

const lead = { LastName: "{{ vars.name }}", Company: "{{ vars.company }}" };

describe("salesforce mapping check", () => {
  it("finds nothing wrong with a good Lead mapping of templates and literals", async () => {
    const issues = await check({
      fields: {
        ...lead,
        Phone: "{{ contact.phone }}",
        LeadSource: "WhatsApp",
        Rating: "Hot",
        NumberOfEmployees: 12,
      },
    });
    expect(issues).toEqual([]);
  });

  it("refuses a Lead create without Company, naming Company", async () => {
    const issues = await check({ fields: { LastName: "{{ vars.name }}", Email: "{{ vars.email }}" } });
    expect(issues).toEqual([
      {
        level: "error",
        path: ["fields"],
        field: "Company",
        message: expect.stringContaining(
          'Lead requires Company (Company) and the mapping does not set it: add "Company"',
        ),
      },
    ]);
  });

  it("counts a required field mapped to an empty literal as missing", async () => {
    const issues = await check({ fields: { LastName: "", Company: "Acme" } });
    expect(issues.map((i) => i.field)).toEqual(["LastName"]);
  });

  it("names an unknown field, suggests the closest one and reminds that custom fields end in __c", async () => {
    const issues = await check({ fields: { ...lead, Emial: "{{ vars.email }}", Source: "x" } });
    expect(issues.map((i) => [i.field, i.path])).toEqual([
      ["Emial", ["fields", "Emial"]],
      ["Source", ["fields", "Source"]],
    ]);
    expect(issues[0]?.message).toContain('Lead has no field "Emial"');
    expect(issues[0]?.message).toContain('Did you mean "Email"?');
    expect(issues[1]?.message).toContain("Custom fields end in __c");
  });

  it("suggests a field by its label", async () => {
    const [issue] = await check({ fields: { ...lead, EmailOptOut: true } });
    expect(issue?.message).toContain('Did you mean "HasOptedOutOfEmail"?');
  });

  it("reports an object the org does not have", async () => {
    const issues = await check({ object: "Invoice", fields: { Name: "x" } });
    expect(issues).toEqual([
      {
        level: "error",
        path: ["object"],
        message: expect.stringContaining('Salesforce has no object "Invoice"'),
      },
    ]);
    expect(issues[0]?.message).toContain("Custom objects end in __c");
  });

  it("refuses a read-only field on create and a create-only field on update", async () => {
    const created = await check({ fields: { ...lead, Name: "Ada Lovelace" } });
    expect(created.map((i) => i.field)).toEqual(["Name"]);
    expect(created[0]?.message).toContain("cannot be set when creating");

    const updated = await check({
      object: "Case",
      operation: "update",
      fields: { SuppliedName: "{{ vars.name }}", Subject: "x" },
    });
    expect(updated.map((i) => i.field)).toEqual(["SuppliedName"]);
    expect(updated[0]?.message).toContain("cannot be changed on an existing record");
  });

  it("does not ask an update for required fields, but refuses emptying one", async () => {
    expect(await check({ operation: "update", fields: { Email: "a@b.co" } })).toEqual([]);
    const issues = await check({ operation: "update", fields: { LastName: null } });
    expect(issues.map((i) => i.field)).toEqual(["LastName"]);
  });

  it("lists the allowed values of a restricted picklist and accepts any value of an unrestricted one", async () => {
    const issues = await check({ fields: { ...lead, Rating: "Lukewarm", LeadSource: "Billboard" } });
    expect(issues.map((i) => i.field)).toEqual(["Rating"]);
    expect(issues[0]?.message).toContain('"Lukewarm" is not one of the picklist\'s values');
    expect(issues[0]?.message).toContain('Use one of: "Hot", "Warm", "Cold"');
  });

  it("refuses a literal longer than the field, and literals of the wrong type", async () => {
    const issues = await check({
      fields: {
        ...lead,
        City: "x".repeat(41),
        HasOptedOutOfEmail: "yes",
        NumberOfEmployees: "many",
        AnnualRevenue: true,
        Email: "not-an-email",
        Description: "{{ conversation.transcript }}",
      },
    });
    const byField = Object.fromEntries(issues.map((i) => [i.field, i.message]));
    expect(Object.keys(byField).sort()).toEqual([
      "AnnualRevenue",
      "City",
      "Email",
      "HasOptedOutOfEmail",
      "NumberOfEmployees",
    ]);
    expect(byField.City).toContain("41 characters; the field holds 40");
    expect(byField.HasOptedOutOfEmail).toContain("is a checkbox: write true or false");
    expect(byField.NumberOfEmployees).toContain('"many" is not one');
  });

  it("upsert: warns about required fields, checks the external id field", async () => {
    const issues = await check({ operation: "upsert", externalIdField: "Email", fields: { LastName: "x" } });
    expect(issues.map((i) => [i.level, i.field])).toEqual([
      ["warning", "Company"],
      ["error", "Email"],
    ]);
    expect(issues[1]?.message).toContain("is not an External ID field");
  });

  it("describes each object once per connection: validating twice costs no extra API call", async () => {
    await check({ object: "Contact", fields: { LastName: "x" } });
    const used = sf.apiUsage;
    const tokens = sf.tokenRequests;
    await check({ object: "Contact", fields: { LastName: "y" } });
    await check({ object: "Contact", fields: { Email: "x@y.co" } });
    expect(sf.apiUsage).toBe(used);
    expect(sf.tokenRequests).toBe(tokens);
  });
});

describe("flow validation with design-time checks", () => {
  const flow = (fields: Record<string, unknown>, connection = "salesforce") => ({
    schema: "tern.flow/v1",
    name: "lead",
    trigger: { type: "message", channels: ["whatsapp"] },
    steps: [{ id: "create_lead", type: "salesforce.create", connection, object: "Lead", fields }],
  });

  it("reports each problem with the step id, the path and the field", async () => {
    const result = await validateFlowDesign(flow({ LastName: "x" }), env, { steps: stepRegistry });
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      {
        path: "$.steps[0].fields",
        stepId: "create_lead",
        field: "Company",
        message: expect.stringMatching(/^step "create_lead": Lead requires Company/),
      },
    ]);
  });

  it("does not block a flow whose connection cannot answer: it warns that the step was not checked", async () => {
    const result = await validateFlowDesign(flow({ LastName: "x" }, "elsewhere"), env, {
      steps: stepRegistry,
    });
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([
      {
        path: "$.steps[0]",
        stepId: "create_lead",
        message: expect.stringContaining(
          'not checked against its connection (no connection named "elsewhere")',
        ),
      },
    ]);
  });

  const handoff = (fields: Record<string, unknown>, connection = "salesforce") => ({
    ...flow({}),
    steps: [{ id: "agent", type: "handoff", text: "Connecting you…", case: { connection, fields } }],
  });

  it("checks a handoff's Case fields like a salesforce.create, under case.fields", async () => {
    const good = await validateFlowDesign(handoff({ Subject: "{{ message.text }}", Origin: "Chat" }), env, {
      steps: stepRegistry,
    });
    expect(good.errors).toEqual([]);
    const result = await validateFlowDesign(handoff({ Subjct: "{{ message.text }}" }), env, {
      steps: stepRegistry,
    });
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      {
        path: "$.steps[0].case.fields.Subjct",
        stepId: "agent",
        field: "Subjct",
        message: expect.stringMatching(/^step "agent": Case has no field "Subjct".*Did you mean "Subject"\?/),
      },
    ]);
  });

  it("refuses a handoff's Case connection that does not exist here, without asking it", async () => {
    const installation = async () => ({
      knownChannelTypes: ["whatsapp"],
      channelTypes: ["whatsapp"],
      channels: [{ id: "ch_1", name: "whatsapp", type: "whatsapp", owner: "user" }],
      connections: ["salesforce"],
      flows: [],
    });
    const result = await validateFlowDesign(
      handoff({ Subject: "x" }, "sales_force"),
      { ...env, installation },
      {
        steps: stepRegistry,
      },
    );
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      {
        path: "$.steps[0].case.connection",
        stepId: "agent",
        message: expect.stringContaining('step "agent": no connection named "sales_force" exists'),
      },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it("gives up on a connection that does not answer in time, with a warning", async () => {
    const silent: DesignEnv = { fact: () => new Promise(() => {}) };
    const result = await validateFlowDesign(flow({ LastName: "x" }), silent, {
      steps: stepRegistry,
      timeoutMs: 20,
    });
    expect(result.valid).toBe(true);
    expect(result.warnings[0]?.message).toContain("no answer within 20 ms");
  });
});
