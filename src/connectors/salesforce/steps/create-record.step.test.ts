import { describe, expect, it } from "vitest";
import { createEngine } from "../../../flows/engine.js";
import { createFakeHost } from "../../../flows/testing/fake-host.js";
import { validateFlow as validateWith } from "../../../flows/validate.js";
import { stepRegistry } from "../../../steps.js";
import { SalesforceCreateStep } from "./create-record.step.js";

const validateFlow = (input: unknown) => validateWith(input, { steps: stepRegistry });

function flowWith(step: Record<string, unknown>) {
  return {
    schema: "tern.flow/v1",
    name: "case",
    trigger: { type: "message", channels: ["viber"] },
    steps: [
      { id: "set", type: "set", vars: { subject: "Broken {{ message.text }}" }, next: "create_case" },
      { id: "create_case", ...step, next: "done" },
      { id: "done", type: "send", text: "Case {{ steps.create_case.id }}" },
    ],
  };
}

describe("salesforce.create step", () => {
  it("renders templated fields, keeps literals and calls the named connection once", async () => {
    const result = validateFlow(
      flowWith({
        type: "salesforce.create",
        connection: "support org",
        object: "Case",
        fields: {
          Subject: "{{ vars.subject }}",
          Priority__c: 2,
          IsEscalated: true,
          ParentId: null,
          Origin: "Viber",
        },
      }),
    );
    expect(result.errors).toEqual([]);
    const flow = result.flow;
    if (!flow) throw new Error("invalid flow");
    const host = createFakeHost();
    host.onCall = () => ({ id: "500Hs00001abcDEF", success: true });
    const engine = createEngine({ steps: stepRegistry });
    const state = await engine.advance(
      flow,
      engine.newRun("r", flow, 1),
      { type: "start", message: host.inbound("printer") },
      host,
    );
    expect(host.calls).toEqual([
      {
        key: "r:2:0",
        connection: "support org",
        action: "create",
        input: {
          object: "Case",
          fields: {
            Subject: "Broken printer",
            Priority__c: 2,
            IsEscalated: true,
            ParentId: null,
            Origin: "Viber",
          },
        },
      },
    ]);
    expect(host.sent.at(-1)?.text).toBe("Case 500Hs00001abcDEF");
    expect(state.steps.create_case).toEqual({ id: "500Hs00001abcDEF", success: true });
  });

  it("rejects object and field names that are not API names, and empty field maps", () => {
    const bad = SalesforceCreateStep.safeParse({
      id: "x",
      type: "salesforce.create",
      connection: "",
      object: "Lead; DROP",
      fields: {},
    });
    expect(bad.success).toBe(false);
    const errors = validateFlow(
      flowWith({
        type: "salesforce.create",
        connection: "sf",
        object: "1Lead",
        fields: { "Last Name": "x" },
      }),
    ).errors;
    expect(errors).toEqual([
      {
        path: "$.steps[1].object",
        stepId: "create_case",
        message: 'step "create_case": object is an API name such as Lead, Case or Invoice__c',
      },
      {
        path: '$.steps[1].fields["Last Name"]',
        stepId: "create_case",
        message: 'step "create_case": field names are API names such as LastName or Score__c',
      },
    ]);
  });
});
