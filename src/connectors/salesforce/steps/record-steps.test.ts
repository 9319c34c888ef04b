import { describe, expect, it } from "vitest";
import { createEngine } from "../../../flows/engine.js";
import { createFakeHost } from "../../../flows/testing/fake-host.js";
import { validateFlow } from "../../../flows/validate.js";
import { stepRegistry } from "../../../steps.js";

/** The update/upsert/find/get steps: what they hand the connector and what later steps can read. */
const flowWith = (steps: unknown[]) =>
  validateFlow(
    { schema: "tern.flow/v1", name: "t", trigger: { type: "message", channels: ["whatsapp"] }, steps },
    { steps: stepRegistry },
  );

async function runFlow(steps: unknown[], onCall: (action: string) => unknown) {
  const result = flowWith(steps);
  if (!result.flow) throw new Error(JSON.stringify(result.errors));
  const host = createFakeHost({ contact: { phone: "+15550100", name: "Ada" } });
  host.onCall = (_connection, action) => onCall(action);
  const engine = createEngine({ steps: stepRegistry });
  const state = await engine.advance(
    result.flow,
    engine.newRun("r", result.flow, 1),
    { type: "start", message: host.inbound("O'Brien") },
    host,
  );
  return { host, state };
}

describe("salesforce record steps", () => {
  it("find renders each value as data, then update and get use what it found", async () => {
    const { host, state } = await runFlow(
      [
        {
          id: "find",
          type: "salesforce.find",
          connection: "sf",
          object: "Contact",
          where: [
            { field: "Phone", value: "{{ contact.phone }}" },
            { field: "LastName", op: "IN", value: ["{{ message.text }}", "Ng"] },
          ],
          fields: ["Name"],
          limit: 1,
          next: "update",
        },
        {
          id: "update",
          type: "salesforce.update",
          connection: "sf",
          object: "Contact",
          recordId: "{{ steps.find.first.Id }}",
          fields: { Description: "{{ message.text }}" },
          readBack: ["Name"],
          onDuplicate: "useExisting",
          next: "get",
        },
        {
          id: "get",
          type: "salesforce.get",
          connection: "sf",
          object: "Contact",
          recordId: "{{ steps.update.id }}",
          next: "say",
        },
        {
          id: "say",
          type: "send",
          text: "{{ steps.find.count }} {{ steps.update.Name }} {{ steps.get.url }}",
        },
      ],
      (action) =>
        action === "find"
          ? { records: [{ Id: "003A" }], count: 1, first: { Id: "003A" }, found: true }
          : { id: "003A", Name: "Ada O'Brien", url: "https://x/003A" },
    );
    expect(host.calls.map((c) => [c.action, c.input])).toEqual([
      [
        "find",
        {
          object: "Contact",
          where: [
            { field: "Phone", op: "=", value: "+15550100" },
            { field: "LastName", op: "IN", value: ["O'Brien", "Ng"] },
          ],
          fields: ["Name"],
          limit: 1,
        },
      ],
      [
        "update",
        {
          object: "Contact",
          id: "003A",
          fields: { Description: "O'Brien" },
          readBack: ["Name"],
          onDuplicate: "useExisting",
        },
      ],
      ["get", { object: "Contact", id: "003A" }],
    ]);
    expect(host.sent.at(-1)?.text).toBe("1 Ada O'Brien https://x/003A");
    expect(state.status).toBe("completed");
  });

  it("upsert renders the external id and passes the policy on", async () => {
    const { host, state } = await runFlow(
      [
        {
          id: "up",
          type: "salesforce.upsert",
          connection: "sf",
          object: "Contact",
          externalIdField: "WhatsApp_Id__c",
          externalId: "{{ contact.phone }}",
          fields: { LastName: "{{ contact.name }}" },
          onDuplicate: "allowSave",
        },
      ],
      () => ({ id: "003B", created: true }),
    );
    expect(host.calls[0]?.input).toEqual({
      object: "Contact",
      externalIdField: "WhatsApp_Id__c",
      externalId: "+15550100",
      fields: { LastName: "Ada" },
      onDuplicate: "allowSave",
    });
    expect(state.steps.up).toEqual({ id: "003B", created: true });
  });

  it.each([
    ["salesforce.get", {}],
    ["salesforce.update", { fields: { Description: "x" } }],
  ])(
    "%s with a recordId that rendered nothing fails naming the field, before any call",
    async (type, extra) => {
      const { host, state } = await runFlow(
        [
          {
            id: "read",
            type,
            connection: "sf",
            object: "Lead",
            recordId: " {{ vars.nothing }}",
            ...extra,
            onError: "say",
          },
          { id: "say", type: "send", text: "{{ steps.read.error.code }}: {{ steps.read.error.message }}" },
        ],
        () => ({ id: "00Q000000000001AAA" }),
      );
      expect(host.calls).toEqual([]);
      expect(host.sent.at(-1)?.text).toBe(
        'VALIDATION_FAILED: The recordId of step "read" is empty (did its template " {{ vars.nothing }}" render nothing?). Give it the id of a record, e.g. {{ steps.find_lead.first.Id }}.',
      );
      expect(state.status).toBe("completed");
    },
  );

  it.each([
    [{ type: "salesforce.find", where: [{ field: "Phone) OR (Id", value: "x" }] }, "where[0].field"],
    [{ type: "salesforce.find", where: [{ field: "Phone", op: "OR", value: "x" }] }, "where[0].op"],
    [{ type: "salesforce.find", where: [], limit: 5000 }, "limit"],
    [{ type: "salesforce.update", recordId: "x", fields: {}, onDuplicate: "merge" }, "onDuplicate"],
    [
      { type: "salesforce.upsert", externalIdField: "Ext Id", externalId: "1", fields: { A: 1 } },
      "externalIdField",
    ],
    [{ type: "salesforce.get", recordId: "x", fields: ["Name; DROP"] }, "fields[0]"],
  ])("refuses %j at design time, at %s", (step, path) => {
    const result = flowWith([{ id: "s", connection: "sf", object: "Lead", ...step }]);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.path).join(" ")).toContain(`$.steps[0].${path}`);
  });
});
