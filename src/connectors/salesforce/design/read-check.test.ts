import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateFlowDesign } from "../../../flows/design-check.js";
import type { DesignEnv } from "../../../flows/step.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../../sandbox/salesforce/index.js";
import { stepRegistry } from "../../../steps.js";
import { emulatorDesignEnv } from "../test-helpers.js";

/** salesforce.find and salesforce.get name fields the emulator's describe must know. */
let sf: SalesforceEmulator;
let env: DesignEnv;
beforeAll(async () => {
  sf = await startSalesforceEmulator();
  env = emulatorDesignEnv(sf);
});
afterAll(async () => {
  await sf.close();
});

const check = (step: Record<string, unknown>) =>
  validateFlowDesign(
    {
      schema: "tern.flow/v1",
      name: "read",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [{ id: "read", connection: "salesforce", object: "Contact", ...step }],
    },
    env,
    { steps: stepRegistry },
  );

describe("salesforce.find and salesforce.get field names", () => {
  it("accepts fields the object has, whatever their case", async () => {
    const find = await check({
      type: "salesforce.find",
      where: [{ field: "phone", value: "{{ contact.phone }}" }],
      fields: ["LastName", "Email"],
    });
    expect(find.errors).toEqual([]);
    const get = await check({ type: "salesforce.get", recordId: "{{ vars.id }}", fields: ["Name"] });
    expect(get.errors).toEqual([]);
  });

  it("refuses a find's misspelt condition and returned fields, suggesting the likely ones", async () => {
    const result = await check({
      type: "salesforce.find",
      where: [{ field: "Phon", value: "{{ contact.phone }}" }],
      fields: ["Emial"],
    });
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      {
        path: "$.steps[0].where[0].field",
        stepId: "read",
        field: "Phon",
        message: expect.stringMatching(/^step "read": Contact has no field "Phon".*Did you mean "Phone"\?/),
      },
      {
        path: "$.steps[0].fields[0]",
        stepId: "read",
        field: "Emial",
        message: expect.stringMatching(/Did you mean "Email"\?/),
      },
    ]);
  });

  it("refuses a find on a field Salesforce cannot filter on (a long text area)", async () => {
    const result = await check({
      type: "salesforce.find",
      where: [{ field: "Description", op: "=", value: "x" }],
    });
    expect(result.errors.map((e) => [e.path, e.message])).toEqual([
      ["$.steps[0].where[0].field", expect.stringContaining("Contact.Description can't be searched")],
    ]);
  });

  it("refuses a get's misspelt field and an object the org does not have", async () => {
    const field = await check({ type: "salesforce.get", recordId: "{{ vars.id }}", fields: ["Nmae"] });
    expect(field.errors).toEqual([
      expect.objectContaining({
        path: "$.steps[0].fields[0]",
        field: "Nmae",
        message: expect.stringContaining('Contact has no field "Nmae"'),
      }),
    ]);
    const object = await check({ type: "salesforce.get", object: "Contcat", recordId: "{{ vars.id }}" });
    expect(object.errors).toEqual([
      expect.objectContaining({
        path: "$.steps[0].object",
        message: expect.stringContaining('Salesforce has no object "Contcat"'),
      }),
    ]);
  });
});
