import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScheduler } from "../../src/queue/scheduler.js";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Runs started without an inbound message go through the conversation's queue — in-process lanes
 * on SQLite, conversation jobs on PostgreSQL — so this runs on both dialects: an API-triggered
 * run (once per Idempotency-Key), a schedule claimed once by two schedulers at the same time, and
 * a handoff released through the API. test/flow-language/ covers each trigger in depth.
 */
describe("triggered runs on the conversation's queue", () => {
  let stack: Stack;
  let now = Date.parse("2026-12-03T07:59:00Z");
  const clock = { now: () => now };
  const ids = { api: "", schedule: "", handoff: "" };
  const api = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await stack.http(method, `/api/v1${path}`, body, headers);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  const create = async (name: string, trigger: unknown, steps: unknown[]) => {
    const created = await api("POST", "/flows", { schema: "tern.flow/v1", name, trigger, steps });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = String(created.body.id);
    expect((await api("POST", `/flows/${id}/publish`, { version: 1 })).status).toBe(200);
    return id;
  };
  const statusOf = async (runId: unknown) => (await api("GET", `/runs/${runId}`)).body?.status;

  beforeAll(async () => {
    stack = await startStack({
      clock,
      flow: {
        schema: "tern.flow/v1",
        name: "help",
        trigger: { type: "message", channels: ["whatsapp"], keywords: ["help"] },
        steps: [
          { id: "agent", type: "handoff", text: "A colleague will reply.", next: "back" },
          { id: "back", type: "send", text: "Bot again." },
        ],
      },
    });
    ids.api = await create("api", { type: "api" }, [
      { id: "s", type: "send", text: "Order {{ vars.order }} shipped." },
    ]);
    ids.schedule = await create(
      "nightly",
      {
        type: "schedule",
        cron: "0 8 * * *",
        audience: { contacts: [{ channel: "whatsapp", address: "4915400000002" }] },
      },
      [{ id: "s", type: "send", text: "Nightly report." }],
    );
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("warns at publish when another published flow starts on the same keyword and channel (the newer takes those conversations)", async () => {
    const publish = async (name: string, keywords: string[]) => {
      const created = await api("POST", "/flows", {
        schema: "tern.flow/v1",
        name,
        trigger: { type: "message", channels: ["whatsapp"], keywords },
        steps: [{ id: "s", type: "send", text: "x" }],
      });
      const published = await api("POST", `/flows/${created.body.id}/publish`, { version: 1 });
      expect(published.status).toBe(200);
      await api("POST", `/flows/${created.body.id}/unpublish`);
      return (published.body.warnings as Array<{ path: string; message: string }>).filter(
        (w) => w.path === "$.trigger",
      );
    };
    const [clash] = await publish("help again", ["HELP", "menu"]);
    expect(clash?.message).toContain('the published flow "help"');
    expect(clash?.message).toContain('also starts on the keyword "help" on whatsapp');
    expect(await publish("other words", ["orders"])).toEqual([]);
  });

  it("starts an API-triggered run once per Idempotency-Key and sends its message", async () => {
    const body = { contact: { channel: "whatsapp", address: "4915400000001" }, input: { order: "A-1" } };
    const headers = { "idempotency-key": "order-A-1" };
    const first = await api("POST", `/flows/${ids.api}/runs`, body, headers);
    const again = await api("POST", `/flows/${ids.api}/runs`, body, headers);
    expect(first.status).toBe(202);
    expect(again.body).toMatchObject({ runId: first.body.runId, replayed: true });
    await stack.sandbox.wa.waitForSent((m) => m.to === "4915400000001" && m.text === "Order A-1 shipped.");
    await eventually(async () => (await statusOf(first.body.runId)) === "completed");
    expect(stack.sandbox.wa.sent.filter((m) => m.to === "4915400000001")).toHaveLength(1);
  });

  it("takes a WhatsApp address written as a phone number (+49 154 …) as the customer's conversation: their answer reaches the run (found by an outside audit)", async () => {
    const flowId = await create("ask over api", { type: "api" }, [
      { id: "a", type: "ask", text: "Your order number?", save: "order", next: "b" },
      { id: "b", type: "send", text: "Looking up {{ vars.order }}." },
    ]);
    const from = "4915400000005";
    const queued = await api("POST", `/flows/${flowId}/runs`, {
      contact: { channel: "whatsapp", address: "+49 154 0000-0005" },
    });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    await stack.sandbox.wa.waitForSent((m) => m.to === from && m.text === "Your order number?");
    await createCustomer(stack.sandbox, stack.setup.webhookUrl, from, "Ann", clock.now).say("A-77");
    await stack.sandbox.wa.waitForSent((m) => m.to === from && m.text === "Looking up A-77.");
    await eventually(async () => (await statusOf(queued.body.runId)) === "completed");
    // One person, one identity on the channel: not "+49 154…" beside "49154…".
    const contacts = (await api("GET", `/contacts?channelId=${stack.setup.channelId}`)).body.items as Array<{
      identities: Array<{ address: string }>;
    }>;
    const addresses = contacts
      .flatMap((c) => c.identities.map((i) => i.address))
      .filter((a) => a.includes("5400000005"));
    expect(addresses).toEqual([from]);
  });

  it("answers a replayed Idempotency-Key with the version its run is on, after a new publish too (found by an outside audit)", async () => {
    const body = { contact: { channel: "whatsapp", address: "4915400000004" }, input: { order: "B-2" } };
    const headers = { "idempotency-key": "order-B-2" };
    const first = await api("POST", `/flows/${ids.api}/runs`, body, headers);
    expect(first.body).toMatchObject({ flowVersion: 1, replayed: false });
    await eventually(async () => (await statusOf(first.body.runId)) === "completed");
    const v2 = await api("PUT", `/flows/${ids.api}`, {
      schema: "tern.flow/v1",
      name: "api",
      trigger: { type: "api" },
      steps: [{ id: "s", type: "send", text: "Order {{ vars.order }} is on its way." }],
    });
    expect((await api("POST", `/flows/${ids.api}/publish`, { version: v2.body.version })).status).toBe(200);
    const again = await api("POST", `/flows/${ids.api}/runs`, body, headers);
    expect(again.body).toMatchObject({ runId: first.body.runId, flowVersion: 1, replayed: true });
    expect((await api("GET", `/runs/${first.body.runId}`)).body.flowVersion).toBe(1);
  });

  it("fires a scheduled time once when two schedulers tick at the same moment", async () => {
    now = Date.parse("2026-12-03T08:00:10Z");
    const scheduler = () =>
      createScheduler({
        store: stack.tern.store,
        clock,
        flow: (id, v) => stack.tern.flows.load(id, v),
        notify: (keys) => stack.tern.worker.notify(keys),
        log: { warn: () => undefined, error: () => undefined },
      });
    await Promise.all([scheduler().tick(), scheduler().tick(), stack.tern.worker.schedules.tick()]);
    await stack.sandbox.wa.waitForSent((m) => m.to === "4915400000002" && m.text === "Nightly report.");
    expect(await stack.tern.store.triggers.firings(ids.schedule)).toHaveLength(1);
    await stack.tern.worker.idle();
    expect(stack.sandbox.wa.sent.filter((m) => m.to === "4915400000002")).toHaveLength(1);
  });

  it("releases a handed-off run through the API: it continues at next", async () => {
    const from = "4915400000003";
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, from, "Ann", clock.now);
    await customer.say("help");
    await customer.waitForReplies(1);
    const contact = await eventually(async () => {
      const list = await api("GET", `/contacts?channelId=${stack.setup.channelId}`);
      return (list.body.items as Array<{ id: string; identities: Array<{ address: string }> }>).find((c) =>
        c.identities.some((i) => i.address === from),
      );
    });
    const runs = await eventually(async () => {
      const list = (await api("GET", `/runs?contactId=${contact.id}`)).body.items as Array<{
        id: string;
        status: string;
      }>;
      return list[0]?.status === "waiting" ? list : null;
    });
    expect((await api("POST", `/runs/${runs[0]?.id}/release`, { note: "done" })).status).toBe(202);
    await stack.sandbox.wa.waitForSent((m) => m.to === from && m.text === "Bot again.");
    await eventually(async () => (await statusOf(runs[0]?.id)) === "completed");
  });
});

describe("a triggered run whose flow is unpublished before its turn", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      env: { TERN_SEND_RETRY_MS: "1000" },
      flow: {
        schema: "tern.flow/v1",
        name: "hello",
        trigger: { type: "message", channels: ["whatsapp"], keywords: ["hi"] },
        steps: [{ id: "s", type: "send", text: "Hello." }],
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("is recorded ended with the reason: the caller's run id is found, not a 404 for ever (found by an outside audit)", async () => {
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await stack.http(method, `/api/v1${path}`, body);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const created = await api("POST", "/flows", {
      schema: "tern.flow/v1",
      name: "shipping",
      trigger: { type: "api" },
      steps: [{ id: "s", type: "send", text: "Shipped." }],
    });
    const flowId = String(created.body.id);
    expect((await api("POST", `/flows/${flowId}/publish`, { version: 1 })).status).toBe(200);
    // The conversation's turn is held: its run waits to send again after a provider outage.
    const address = "4915400000077";
    stack.sandbox.wa.failNext(3, { code: 131000, message: "Something went wrong" }, 500);
    await createCustomer(stack.sandbox, stack.setup.webhookUrl, address).say("hi");
    await eventually(async () => {
      const runs = await api("GET", "/runs?status=waiting");
      return (runs.body.items as unknown[]).length === 1;
    });
    const queued = await api("POST", `/flows/${flowId}/runs`, { contact: { channel: "whatsapp", address } });
    expect(queued.status).toBe(202);
    expect((await api("POST", `/flows/${flowId}/unpublish`)).status).toBe(200);
    // The held run sends at its next round; then the trigger's turn finds the flow unpublished.
    await stack.sandbox.wa.waitForSent((m) => m.to === address && m.text === "Hello.");
    const run = await eventually(async () => {
      const found = await api("GET", `/runs/${queued.body.runId}`);
      return found.status === 200 ? found.body : null;
    });
    expect(run).toMatchObject({
      status: "ended",
      flowId,
      error: {
        code: "RUN_SKIPPED",
        message: 'Not started: flow "shipping" was unpublished before the run\'s turn came.',
      },
    });
    await stack.tern.worker.idle();
    expect(stack.sandbox.wa.sent.filter((m) => m.to === address).map((m) => m.text)).toEqual(["Hello."]);
  });
});
