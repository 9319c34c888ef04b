import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { engine, flowOf, startRun } from "../../../flows/testing/engine-fixtures.js";
import { createFakeHost, type FakeHost } from "../../../flows/testing/fake-host.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../../sandbox/salesforce/index.js";
import { SalesforceConfig, salesforceConnector } from "../index.js";
import { testDeps } from "../test-helpers.js";

/**
 * The engine running a Salesforce step whose call reaches the emulator: a flow branches on the
 * error the step records (`steps.<id>.error.salesforceCode`), and a paused connection parks the
 * run at its step until the pause ends (docs/salesforce-errors.md).
 */
let sf: SalesforceEmulator;
beforeAll(async () => {
  sf = await startSalesforceEmulator();
});
afterAll(async () => {
  await sf.close();
});
beforeEach(() => {
  sf.setApiUsage(0);
});

function hostWithConnector(limitPauseMs = 300_000): FakeHost {
  const host = createFakeHost({ now: Date.now() });
  const rt = salesforceConnector.create("c1", testDeps({ clock: { now: () => host.clock.now } }));
  const config = SalesforceConfig.parse({ ...sf.credentials, limitPauseMs });
  host.onCall = (_connection, action, input) =>
    rt.actions[action]?.run(input, config, { connectionId: "c1", intentAt: host.clock.now, key: "k" });
  return host;
}

const createLead = {
  id: "create_lead",
  type: "salesforce.create",
  connection: "salesforce",
  object: "Lead",
  fields: { LastName: "Lovelace", Company: "Analytical Engines" },
  next: "confirm",
  onError: "why",
};
const flow = flowOf([
  createLead,
  {
    id: "why",
    type: "branch",
    conditions: [
      {
        when: { left: "steps.create_lead.error.salesforceCode", op: "eq", right: "DUPLICATES_DETECTED" },
        next: "known",
      },
    ],
    else: "sorry",
  },
  { id: "known", type: "send", text: "We already know you: {{ steps.create_lead.error.duplicateIds[0] }}" },
  { id: "sorry", type: "send", text: "Sorry: {{ steps.create_lead.error.code }}" },
  { id: "confirm", type: "send", text: "Done: {{ steps.create_lead.id }}" },
]);

describe("a flow and Salesforce errors", () => {
  it("branches on the Salesforce code after onError: a duplicate goes its own way with the match's id", async () => {
    sf.failNext(
      400,
      [
        {
          duplicateResult: {
            allowSave: false,
            matchResults: [{ matchRecords: [{ record: { Id: "00Q000000000042AAA" } }] }],
          },
          errorCode: "DUPLICATES_DETECTED",
          message: "Use one of these records?",
        },
      ],
      { on: "create" },
    );
    const host = hostWithConnector();
    const state = await startRun(flow, host);
    expect(state.status).toBe("completed");
    expect(state.steps.create_lead).toEqual({
      error: expect.objectContaining({
        code: "SALESFORCE_DUPLICATE",
        salesforceCode: "DUPLICATES_DETECTED",
        fields: [],
        duplicateIds: ["00Q000000000042AAA"],
      }),
    });
    expect(host.sent.map((s) => s.text)).toEqual(["We already know you: 00Q000000000042AAA"]);
    const record = host.persisted.find((p) => p.record.stepId === "create_lead")?.record;
    expect(record?.error).toMatchObject({
      code: "SALESFORCE_DUPLICATE",
      salesforceCode: "DUPLICATES_DETECTED",
    });
  });

  it("any other error takes the else branch with its Tern code", async () => {
    sf.failNext(
      400,
      [{ errorCode: "STRING_TOO_LONG", message: "Last Name: data value too large", fields: ["LastName"] }],
      { on: "create" },
    );
    const host = hostWithConnector();
    await startRun(flow, host);
    expect(host.sent.map((s) => s.text)).toEqual(["Sorry: SALESFORCE_FIELD_INVALID"]);
  });

  it("a paused connection parks the run at its step; at the pause's end the step runs again and completes", async () => {
    const host = hostWithConnector(60_000);
    sf.setApiUsage(1_000_000);
    const parked = await startRun(flow, host);
    expect(parked.status).toBe("waiting");
    expect(parked.wait).toMatchObject({
      stepId: "create_lead",
      for: "retry",
      timeoutAt: host.clock.now + 60_000,
    });
    expect(host.persisted.at(-1)?.record).toMatchObject({
      status: "waiting",
      error: { code: "SALESFORCE_LIMIT_EXCEEDED", salesforceCode: "REQUEST_LIMIT_EXCEEDED" },
    });
    // A reply does not wake it, nor does a timeout before the pause ends.
    const reply = { type: "reply" as const, message: host.inbound("hello?"), inboxId: 2 };
    expect(await engine.advance(flow, parked, reply, host)).toBe(parked);
    expect(await engine.advance(flow, parked, { type: "timeout" }, host)).toBe(parked);
    // Quota is back when the pause ends: the same visit (same effect key) creates the Lead once.
    sf.setApiUsage(0);
    host.clock.now += 60_000;
    const done = await engine.advance(flow, parked, { type: "timeout" }, host);
    expect(done.status).toBe("completed");
    expect(host.sent.map((s) => s.text)).toEqual([`Done: ${(done.steps.create_lead as { id: string }).id}`]);
    expect(new Set(host.calls.map((c) => c.key)).size).toBe(1);
    expect(
      sf.records("Lead").filter((l) => l.Id === (done.steps.create_lead as { id: string }).id),
    ).toHaveLength(1);
  });
});
