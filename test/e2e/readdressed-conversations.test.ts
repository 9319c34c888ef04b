import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * A run started for a phone number (the API, a schedule) must get the person's answer although
 * WhatsApp knows them by another form of that number: Mexican mobiles by 52 1 … (the "1" Mexico
 * dropped in 2019), Brazilian accounts registered before the ninth digit by their old 8 digits.
 * Meta's answer to a send names the account (`contacts[].wa_id`), and the customer's replies come
 * from it. Before: the answer reached no run and the started one waited for ever. Both dialects.
 */
describe("a started run reaches the person under the address WhatsApp knows them by", () => {
  let stack: Stack;
  let flowId = "";
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await stack.http(method, `/api/v1${path}`, body);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  const start = async (phone: string) => {
    const started = await api("POST", `/flows/${flowId}/runs`, { contact: { channel: "whatsapp", phone } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    return String(started.body.runId);
  };
  const run = async (id: string) => (await api("GET", `/runs/${id}`)).body;
  // The step's message can reach the simulator before its state is committed: polled.
  const reaches = (id: string, status: string) =>
    eventually(async () => ((await run(id)).status === status ? true : null), 10_000, `run ${id} ${status}`);
  const waiting = (id: string) => reaches(id, "waiting");
  const contactsWith = async (address: string) => {
    const list = await api("GET", `/contacts?channelId=${stack.setup.channelId}&limit=200`);
    return (
      list.body.items as Array<{ id: string; phone: string; identities: Array<{ address: string }> }>
    ).filter((c) => c.identities.some((i) => i.address === address));
  };

  beforeAll(async () => {
    stack = await startStack({
      flow: {
        schema: "tern.flow/v1",
        name: "hello",
        trigger: { type: "message", channels: ["whatsapp"], keywords: ["hello"] },
        steps: [{ id: "s", type: "send", text: "Hello there." }],
      },
    });
    const created = await api("POST", "/flows", {
      schema: "tern.flow/v1",
      name: "confirm",
      trigger: { type: "api" },
      steps: [
        {
          id: "ask",
          type: "ask",
          text: "Can you confirm your visit tomorrow?",
          save: "answer",
          next: "thanks",
        },
        { id: "thanks", type: "send", text: "Thanks: {{ vars.answer }}." },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    flowId = String(created.body.id);
    expect((await api("POST", `/flows/${flowId}/publish`, { version: 1 })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("a Mexican mobile never seen: sent to +52 55…, answered from WhatsApp's 52 1 55…", async () => {
    stack.sandbox.wa.registerAs("525512340001", "5215512340001");
    const runId = await start("+52 55 1234 0001");
    await stack.sandbox.wa.waitForSent((m) => m.to === "525512340001");
    await waiting(runId);
    await createCustomer(stack.sandbox, stack.setup.webhookUrl, "5215512340001").say("yes");
    await stack.sandbox.wa.waitForSent((m) => m.text === "Thanks: yes.");
    await reaches(runId, "completed");
    // One person, known by both addresses; their number as dialled today.
    const [person, ...others] = await contactsWith("5215512340001");
    expect(others).toEqual([]);
    expect(person?.phone).toBe("+525512340001");
    expect(person?.identities.map((i) => i.address).sort()).toEqual(["5215512340001", "525512340001"]);
  });

  it("a Brazilian account registered before the ninth digit: sent to +55 11 9…, answered from the old 8 digits", async () => {
    stack.sandbox.wa.registerAs("5511987650002", "551187650002");
    const runId = await start("+55 11 98765-0002");
    await stack.sandbox.wa.waitForSent((m) => m.to === "5511987650002");
    await waiting(runId);
    await createCustomer(stack.sandbox, stack.setup.webhookUrl, "551187650002").say("sim");
    await stack.sandbox.wa.waitForSent((m) => m.text === "Thanks: sim.");
    await reaches(runId, "completed");
    expect(await contactsWith("551187650002")).toHaveLength(1);
  });

  it("a person who wrote before is reached in their conversation: a Brazilian number given with the ninth digit", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "551187650003");
    await customer.say("hello");
    await customer.waitForReplies(1);
    const runId = await start("+5511987650003");
    // Sent where they talk, not to a number form WhatsApp may not know them by.
    await stack.sandbox.wa.waitForSent(
      (m) => m.to === "551187650003" && m.text.startsWith("Can you confirm"),
    );
    expect(stack.sandbox.wa.sent.filter((m) => m.to === "5511987650003")).toEqual([]);
    await waiting(runId);
    await customer.say("confirmed");
    await stack.sandbox.wa.waitForSent((m) => m.text === "Thanks: confirmed.");
    await reaches(runId, "completed");
    expect(await contactsWith("551187650003")).toHaveLength(1);
  });

  it("a number WhatsApp answers as dialled is left as it was: one identity, no move", async () => {
    const runId = await start("+4915112340004");
    await stack.sandbox.wa.waitForSent((m) => m.to === "4915112340004");
    await waiting(runId);
    await createCustomer(stack.sandbox, stack.setup.webhookUrl, "4915112340004").say("ok");
    await stack.sandbox.wa.waitForSent((m) => m.text === "Thanks: ok.");
    const [person] = await contactsWith("4915112340004");
    expect(person?.identities.map((i) => i.address)).toEqual(["4915112340004"]);
  });
});
