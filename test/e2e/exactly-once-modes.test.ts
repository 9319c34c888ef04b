import { afterEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Issue 7, "Must show": the emulator stores a create and then drops the connection → after
 * retries exactly one record, in both exactly-once modes. The lead template runs end to end;
 * Tern sees the cut connection as an unknown outcome and must not create the Lead twice.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Runs a conversation up to the create, which Salesforce commits and whose answer is lost. */
async function leadWithLostAnswer(
  s: Stack,
  from: string,
  beforeDrop: () => void = () => {},
  release: Parameters<Stack["sandbox"]["sf"]["releaseCreates"]>[0] = { drop: true },
) {
  const sf = s.sandbox.sf;
  const customer = createCustomer(s.sandbox, s.setup.webhookUrl, from);
  await customer.say("hi");
  await customer.waitForReplies(1);
  await customer.say("Grace Hopper");
  await customer.waitForReplies(2);
  sf.holdCreates();
  await customer.say("Navy");
  const committed = await sf.waitForCreate(1);
  beforeDrop();
  sf.releaseCreates(release);
  const replies = await customer.waitForReplies(3);
  await s.tern.worker.idle();
  const runs = await s.tern.store.runs.list({});
  await eventually(async () => (await s.tern.store.runs.get(runs[0]!.id))?.status === "completed");
  return { committed, confirmation: replies[2]?.text ?? "" };
}

describe("a create that Salesforce stored but whose answer was lost", () => {
  it("lookup mode (an org without Tern_Key__c): found by its values, one Lead, its id sent to the customer", async () => {
    stack = await startStack();
    const { committed, confirmation } = await leadWithLostAnswer(stack, "4915700000001");
    const leads = stack.sandbox.sf.records("Lead");
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ Id: committed.Id, LastName: "Grace Hopper", Company: "Navy" });
    expect(confirmation).toContain(committed.Id);
    expect(stack.sandbox.sf.apiCalls.create).toBe(1);
    expect(stack.sandbox.sf.apiCalls.query).toBe(1);
  });

  it("lookup mode: a create stored and then answered 504 by a gateway is looked up, not sent again", async () => {
    stack = await startStack();
    const gatewayTimeout = {
      status: 504,
      body: "<html><body><h1>504 Gateway Time-out</h1></body></html>",
      contentType: "text/html",
    };
    const { committed, confirmation } = await leadWithLostAnswer(stack, "4915700000003", undefined, {
      answer: gatewayTimeout,
    });
    expect(stack.sandbox.sf.records("Lead")).toHaveLength(1);
    expect(confirmation).toContain(committed.Id);
    expect(stack.sandbox.sf.apiCalls.create).toBe(1);
    expect(stack.sandbox.sf.apiCalls.query).toBe(1);
  });

  it("lookup mode: a create answered 201 with an empty body is looked up, not sent again", async () => {
    stack = await startStack();
    const { committed, confirmation } = await leadWithLostAnswer(stack, "4915700000004", undefined, {
      answer: { status: 201, body: "" },
    });
    expect(stack.sandbox.sf.records("Lead")).toHaveLength(1);
    expect(confirmation).toContain(committed.Id);
    expect(stack.sandbox.sf.apiCalls.create).toBe(1);
    expect(stack.sandbox.sf.apiCalls.query).toBe(1);
  });

  it("external id mode (Tern_Key__c): the retry upserts the same key and updates the one Lead, even when the lookup fails", async () => {
    stack = await startStack({ salesforce: { ternKeyField: true } });
    const sf = stack.sandbox.sf;
    // The reconcile lookup meets a 503, so Tern really sends the create again.
    const { committed, confirmation } = await leadWithLostAnswer(stack, "4915700000002", () =>
      sf.failNext(503, [{ errorCode: "SERVER_UNAVAILABLE", message: "Server unavailable" }], { on: "query" }),
    );
    const leads = sf.records("Lead");
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ Id: committed.Id, LastName: "Grace Hopper", Company: "Navy" });
    expect(leads[0]?.Tern_Key__c).toEqual(expect.stringMatching(/:\d+:\d+$/));
    expect(confirmation).toContain(committed.Id);
    expect(sf.apiCalls["collection-upsert"]).toBe(2);
    expect(sf.apiCalls.create).toBeUndefined();
  });
});
