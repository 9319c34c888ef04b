import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScheduler } from "../../src/queue/scheduler.js";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";
import { rawSocket } from "../helpers/raw-http.js";

/**
 * Triggers that start a run without the customer writing first: the API trigger, the flow's
 * webhook, a schedule (cron in a time zone, on a movable clock) and a tag added to a contact.
 * Through the real engine and store; the messages arrive at the sandbox's WhatsApp simulator.
 */
const flowFile = (name: string, trigger: Record<string, unknown>, steps: unknown[]) => ({
  schema: "tern.flow/v1",
  name,
  trigger,
  steps,
});

describe("API, webhook, schedule and tag-added triggers", () => {
  let stack: Stack;
  // 2026-12-03 07:30 UTC = 08:30 in Berlin; the test moves it.
  let now = Date.parse("2026-12-03T07:30:00Z");
  const clock = { now: () => now };
  const flows = { caseUpdate: "", draft: "", morning: "", vip: "", join: "" };
  const api = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await stack.http(method, `/api/v1${path}`, body, headers);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  const create = async (flow: unknown, publish = true) => {
    const created = await api("POST", "/flows", flow);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, version } = created.body as { id: string; version: number };
    if (publish) expect((await api("POST", `/flows/${id}/publish`, { version })).status).toBe(200);
    return id;
  };
  const sentTo = (to: string) => stack.sandbox.wa.sent.filter((m) => m.to === to).map((m) => m.text);
  const runOf = async (runId: string) =>
    eventually(async () => {
      const res = await api("GET", `/runs/${runId}`);
      return res.status === 200 && res.body.status !== "running" ? res.body : null;
    });

  beforeAll(async () => {
    // No catch-all flow: a customer's "hi" starts nothing (a waiting run would keep them busy).
    const quiet = flowFile("ping", { type: "message", channels: ["whatsapp"], keywords: ["ping"] }, [
      { id: "pong", type: "send", text: "pong" },
    ]);
    stack = await startStack({ clock, flow: quiet });
    flows.caseUpdate = await create(
      flowFile("case update", { type: "api" }, [
        {
          id: "tell",
          type: "send",
          text: "Hi {{ vars.name }}, case {{ vars.caseNumber }} is now {{ vars.status }}.",
          next: "rate",
        },
        {
          id: "rate",
          type: "ask",
          text: "How did we do, 1-5?",
          save: "score",
          expect: "number",
          next: "thanks",
        },
        { id: "thanks", type: "send", text: "Thanks for the {{ vars.score }}!" },
      ]),
    );
    flows.draft = await create(
      flowFile("never published", { type: "api" }, [{ id: "x", type: "send", text: "x" }]),
      false,
    );
    flows.morning = await create(
      flowFile(
        "morning",
        {
          type: "schedule",
          cron: "0 9 * * *",
          timezone: "Europe/Berlin",
          audience: { contacts: [{ channel: "whatsapp", address: "4915200000010" }], tag: "newsletter" },
        },
        [{ id: "hello", type: "send", text: "Good morning! ({{ vars.scheduledAt }})" }],
      ),
    );
    flows.vip = await create(
      flowFile("vip welcome", { type: "tag", tags: ["vip", "gold"] }, [
        { id: "hello", type: "send", text: "Welcome to {{ vars.tags | join: ',' }}" },
      ]),
    );
    flows.join = await create(
      flowFile("join", { type: "message", channels: ["whatsapp"], keywords: ["join"] }, [
        { id: "tag", type: "contact.tag", add: ["gold"], next: "ok" },
        { id: "ok", type: "send", text: "You joined." },
      ]),
    );
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("API trigger: starts the published version for a contact, input becomes vars; the customer's reply continues the run", async () => {
    const to = "4915200000001";
    const res = await api("POST", `/flows/${flows.caseUpdate}/runs`, {
      contact: { channel: "whatsapp", address: to, name: "Ada" },
      input: { name: "Ada", caseNumber: "00001026", status: "Closed" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({
      flowId: flows.caseUpdate,
      flowVersion: 1,
      status: "queued",
      replayed: false,
    });
    await stack.sandbox.wa.waitForSent((m) => m.to === to && m.text === "How did we do, 1-5?");
    expect(sentTo(to)).toEqual(["Hi Ada, case 00001026 is now Closed.", "How did we do, 1-5?"]);
    await createCustomer(stack.sandbox, stack.setup.webhookUrl, to, "Ada", clock.now).say("5");
    await stack.sandbox.wa.waitForSent((m) => m.to === to && m.text === "Thanks for the 5!");
    const run = await runOf(String(res.body.runId));
    expect(run).toMatchObject({
      status: "completed",
      vars: { name: "Ada", caseNumber: "00001026", score: 5 },
    });
  });

  it("API trigger by phone on WhatsApp: sent to the wa_id digits, so the customer's reply continues the run; by address, the contact has that phone", async () => {
    const digits = "4915200000021";
    const byPhone = await api("POST", `/flows/${flows.caseUpdate}/runs`, {
      contact: { channel: "whatsapp", phone: `+${digits}` },
      input: { name: "Bo", caseNumber: "2", status: "Open" },
    });
    expect(byPhone.status, JSON.stringify(byPhone.body)).toBe(202);
    await stack.sandbox.wa.waitForSent((m) => m.to === digits && m.text === "How did we do, 1-5?");
    await createCustomer(stack.sandbox, stack.setup.webhookUrl, digits, "Bo", clock.now).say("4");
    await stack.sandbox.wa.waitForSent((m) => m.to === digits && m.text === "Thanks for the 4!");
    expect(await runOf(String(byPhone.body.runId))).toMatchObject({ status: "completed" });

    const byAddress = await api("POST", `/flows/${flows.caseUpdate}/runs`, {
      contact: { channel: "whatsapp", address: "4915200000022" },
      input: { name: "Cy", caseNumber: "3", status: "Open" },
    });
    expect(byAddress.status).toBe(202);
    const run = await eventually(async () => {
      const res = await api("GET", `/runs/${byAddress.body.runId}`);
      return res.status === 200 ? res.body : null;
    });
    const contact = await api("GET", `/contacts/${run.contactId}`);
    expect(contact.body).toMatchObject({ phone: "+4915200000022" });
  });

  it("API trigger: the same Idempotency-Key answers the same run and starts no second one", async () => {
    const to = "4915200000002";
    const body = {
      contact: { channel: stack.setup.channelId, address: to },
      input: { name: "Bo", caseNumber: "7", status: "Open" },
    };
    const headers = { "idempotency-key": "case-7-open" };
    const first = await api("POST", `/flows/${flows.caseUpdate}/runs`, body, headers);
    const again = await api("POST", `/flows/${flows.caseUpdate}/runs`, body, headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ runId: first.body.runId, replayed: true });
    await stack.sandbox.wa.waitForSent((m) => m.to === to && m.text.startsWith("How did we do"));
    const runs = await api("GET", `/runs?flowId=${flows.caseUpdate}&limit=500`);
    const mine = (runs.body.items as Array<{ id: string }>).filter((r) => r.id === first.body.runId);
    expect(mine).toHaveLength(1);
    expect(sentTo(to).filter((t) => t.startsWith("Hi Bo"))).toHaveLength(1);

    // Erased with the person: the key no longer answers a run nobody can read; it starts afresh.
    const run = await api("GET", `/runs/${first.body.runId}`);
    expect((await api("DELETE", `/contacts/${run.body.contactId}`)).status).toBe(204);
    const afterErasure = await api("POST", `/flows/${flows.caseUpdate}/runs`, body, headers);
    expect(afterErasure.status).toBe(202);
    expect(afterErasure.body).toMatchObject({ replayed: false });
    expect(afterErasure.body.runId).not.toBe(first.body.runId);
    // 202: the run is stored when the worker takes the request, in the conversation's turn.
    const stored = await eventually(
      async () => {
        const res = await api("GET", `/runs/${afterErasure.body.runId}`);
        return res.status === 200 ? res : null;
      },
      10_000,
      "the new run stored",
    );
    expect(stored.status).toBe(200);
  });

  it('API trigger: a channel may be named by its type when one channel has that type (zero-config names it "WhatsApp sandbox")', async () => {
    const channel = `/channels/${stack.setup.channelId}`;
    expect((await api("PATCH", channel, { name: "WhatsApp sandbox" })).status).toBe(200);
    try {
      const to = "4915200000009";
      const res = await api("POST", `/flows/${flows.caseUpdate}/runs`, {
        contact: { channel: "whatsapp", address: to },
        input: { name: "Cy", caseNumber: "9", status: "Open" },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await stack.sandbox.wa.waitForSent((m) => m.to === to && m.text === "Hi Cy, case 9 is now Open.");
    } finally {
      expect((await api("PATCH", channel, { name: "whatsapp" })).status).toBe(200);
    }
  });

  it("API trigger: clear 4xx for an unknown flow, an unpublished flow, an unknown channel and a bad body", async () => {
    const contact = { channel: "whatsapp", address: "4915200000003" };
    const cases: Array<[string, unknown, number, string]> = [
      ["/flows/flow_nope/runs", { contact }, 404, "FLOW_NOT_FOUND"],
      [`/flows/${flows.draft}/runs`, { contact }, 409, "FLOW_NOT_PUBLISHED"],
      [
        `/flows/${flows.caseUpdate}/runs`,
        { contact: { channel: "telegraph", address: "1" } },
        404,
        "CHANNEL_NOT_FOUND",
      ],
      [`/flows/${flows.caseUpdate}/runs`, { input: {} }, 400, "BAD_REQUEST"],
      [`/flows/${flows.caseUpdate}/runs`, { contact: { channel: "whatsapp" } }, 400, "BAD_REQUEST"],
      [`/flows/${flows.caseUpdate}/runs`, { contact, input: [1, 2] }, 400, "BAD_REQUEST"],
      [`/flows/${flows.caseUpdate}/runs`, { contact, extra: true }, 400, "BAD_REQUEST"],
      [
        `/flows/${flows.caseUpdate}/runs`,
        { contact: { channel: "whatsapp", phone: "not a phone" } },
        400,
        "BAD_REQUEST",
      ],
      // Refused here, not accepted and then failed at the send.
      [
        `/flows/${flows.caseUpdate}/runs`,
        { contact: { channel: "whatsapp", address: "not a number!!" } },
        400,
        "BAD_REQUEST",
      ],
    ];
    for (const [path, body, status, code] of cases) {
      const res = await api("POST", path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect((res.body.error as { code: string }).code).toBe(code);
    }
    // Input nested deeper than a flow file may be: refused before anything is stored (a run
    // holding it could not be read back from SQLite's JSON, nor written with JSON.stringify).
    for (const depth of [65, 2_500, 6_000]) {
      const raw = `{"contact":${JSON.stringify(contact)},"input":{"d":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
      const res = await stack.http("POST", `/api/v1/flows/${flows.caseUpdate}/runs`, raw);
      expect(res.status, `depth ${depth}`).toBe(400);
      expect(await res.text()).toContain("nested at most 64 levels deep");
    }
    const unauthenticated = await fetch(`${stack.tern.url}/api/v1/flows/${flows.caseUpdate}/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contact }),
    });
    expect(unauthenticated.status).toBe(401);
  });

  it("signed webhook: the flow's URL starts a run; a wrong or rotated token, wrong content type, bad JSON or lying length is a 4xx", async () => {
    const hook = await api("POST", `/flows/${flows.caseUpdate}/webhook`);
    expect(hook.status).toBe(201);
    const url = String(hook.body.url);
    expect(url).toBe(`${stack.tern.url}/hooks/flows/${flows.caseUpdate}/${hook.body.token}`);
    const to = "4915200000004";
    const body = JSON.stringify({
      contact: { channel: "whatsapp", address: to },
      input: { name: "Cy", caseNumber: "9", status: "New" },
    });
    const post = (target: string, payload: string, type = "application/json") =>
      fetch(target, { method: "POST", headers: { "content-type": type }, body: payload });

    const ok = await post(url, body);
    expect(ok.status, await ok.clone().text()).toBe(202);
    await stack.sandbox.wa.waitForSent((m) => m.to === to && m.text === "Hi Cy, case 9 is now New.");

    const base = `${stack.tern.url}/hooks/flows/${flows.caseUpdate}`;
    expect((await post(`${base}/wrong-token`, body)).status).toBe(401);
    expect((await post(`${stack.tern.url}/hooks/flows/flow_nope/${hook.body.token}`, body)).status).toBe(401);
    // A stranger learns nothing about the body from a wrong URL: not its syntax, nor its type.
    expect((await post(`${base}/wrong-token`, "{not json")).status).toBe(401);
    expect((await post(`${base}/wrong-token`, body, "text/plain")).status).toBe(401);
    // The same 415, with the fix, here and on the admin API's own trigger.
    const wrongType = await post(url, body, "text/plain");
    const admin = await stack.http("POST", `/api/v1/flows/${flows.caseUpdate}/runs`, body, {
      "content-type": "text/plain",
    });
    for (const res of [wrongType, admin]) {
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({
        error: {
          code: "UNSUPPORTED_MEDIA_TYPE",
          message: "Unsupported Content-Type (text/plain): send the body as application/json.",
        },
      });
    }
    expect((await post(url, body, "application/x-www-form-urlencoded")).status).toBe(415);
    expect((await post(url, "{not json")).status).toBe(400);
    expect((await post(url, JSON.stringify({ contact: 42 }))).status).toBe(400);
    expect((await post(url, "")).status).toBe(400);
    for (const depth of [2_500, 6_000]) {
      const deep = `{"contact":{"channel":"whatsapp","address":"${to}"},"input":{"d":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
      expect((await post(url, deep)).status, `depth ${depth}`).toBe(400);
    }
    const path = new URL(url).pathname;
    const lying = await rawSocket(
      stack.tern.url,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(lying).toMatch(/^HTTP\/1\.1 4\d\d/);

    // Rotated: the old URL stops working, the new one works.
    const rotated = await api("POST", `/flows/${flows.caseUpdate}/webhook`);
    expect((await post(url, body)).status).toBe(401);
    expect((await post(String(rotated.body.url), body)).status).toBe(202);
    expect((await stack.http("GET", "/healthz")).status).toBe(200);
  });

  it("schedule: fires once at 09:00 Berlin for the listed contacts and the tagged ones, never twice across ticks or processes", async () => {
    const tagged = "4915200000011";
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, tagged, "Tia", clock.now);
    await customer.say("hi there"); // becomes a contact (no flow answers "hi there")
    const contact = await eventually(async () => {
      const list = await api("GET", `/contacts?channelId=${stack.setup.channelId}`);
      return (list.body.items as Array<{ id: string; identities: Array<{ address: string }> }>).find((c) =>
        c.identities.some((i) => i.address === tagged),
      );
    });
    expect((await api("POST", `/contacts/${contact.id}/tags`, { add: ["newsletter"] })).status).toBe(200);

    const { schedules } = stack.tern.worker;
    await schedules.tick(); // 08:30 Berlin: the last 09:00 was before the flow was published
    expect(await stack.tern.store.triggers.firings(flows.morning)).toEqual([]);

    now = Date.parse("2026-12-03T08:00:20Z"); // 09:00:20 in Berlin
    await schedules.tick();
    await schedules.tick();
    // Another process over the same store, ticking at the same time.
    const other = createScheduler({
      store: stack.tern.store,
      clock,
      flow: (id, v) => stack.tern.flows.load(id, v),
      notify: (keys) => stack.tern.worker.notify(keys),
      log: { warn: () => undefined, error: () => undefined },
    });
    await other.tick();
    const expected = "Good morning! (2026-12-03T08:00:00.000Z)";
    await stack.sandbox.wa.waitForSent((m) => m.to === "4915200000010" && m.text === expected);
    await stack.sandbox.wa.waitForSent((m) => m.to === tagged && m.text === expected);
    const firings = await stack.tern.store.triggers.firings(flows.morning);
    expect(firings).toEqual([{ scheduledAt: Date.parse("2026-12-03T08:00:00Z"), firedAt: now, audience: 2 }]);
    await stack.tern.worker.idle();
    expect(sentTo("4915200000010").filter((t) => t === expected)).toHaveLength(1);
    expect(sentTo(tagged).filter((t) => t === expected)).toHaveLength(1);

    // The next day's 09:00 fires again, once.
    now = Date.parse("2026-12-04T08:01:00Z");
    await schedules.tick();
    await other.tick();
    await stack.sandbox.wa.waitForSent((m) => m.to === tagged && m.text.includes("2026-12-04T08:00"));
    expect((await stack.tern.store.triggers.firings(flows.morning)).map((f) => f.scheduledAt)).toHaveLength(
      2,
    );
  });

  it("schedule: refuses a bad cron expression or time zone on import", async () => {
    const bad = (trigger: Record<string, unknown>) =>
      api(
        "POST",
        "/flows",
        flowFile("bad", { type: "schedule", audience: { tag: "x" }, ...trigger }, [
          { id: "s", type: "send", text: "x" },
        ]),
      );
    expect(JSON.stringify((await bad({ cron: "61 9 * * *" })).body)).toContain("not a cron expression");
    // Four fields (cron-parser would fill the fifth in) or a macro: not the documented forms.
    for (const cron of ["every morning", "* * * *", "@hourly", "0 0 9 * * * *"]) {
      expect(JSON.stringify((await bad({ cron })).body), cron).toContain("a cron expression has five fields");
    }
    expect(JSON.stringify((await bad({ cron: "0 9 * * *", timezone: "Mars/Olympus" })).body)).toContain(
      "unknown time zone",
    );
    const noAudience = await api(
      "POST",
      "/flows",
      flowFile("bad", { type: "schedule", cron: "0 9 * * *", audience: {} }, [
        { id: "s", type: "send", text: "x" },
      ]),
    );
    expect(noAudience.status).toBe(422);

    // An audience member on a channel that does not exist would never get the run: publish says so.
    const stray = await api(
      "POST",
      "/flows",
      flowFile(
        "stray",
        {
          type: "schedule",
          cron: "0 9 * * *",
          audience: { contacts: [{ channel: "nochan", address: "1" }] },
        },
        [{ id: "s", type: "send", text: "x" }],
      ),
    );
    expect(stray.status).toBe(201);
    const refused = await api("POST", `/flows/${stray.body.id}/publish`, { version: 1 });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('No channel with id, name or type \\"nochan\\"');
    expect(JSON.stringify(refused.body)).toContain("$.trigger.audience.contacts[0].channel");

    // An address the channel cannot send to: refused at publish, as on the API trigger.
    const badAddress = await api(
      "POST",
      "/flows",
      flowFile(
        "bad-address",
        {
          type: "schedule",
          cron: "0 9 * * *",
          audience: { contacts: [{ channel: "whatsapp", address: "not a number!!" }] },
        },
        [{ id: "s", type: "send", text: "x" }],
      ),
    );
    const notSendable = await api("POST", `/flows/${badAddress.body.id}/publish`, { version: 1 });
    expect(notSendable.status).toBe(422);
    expect(JSON.stringify(notSendable.body)).toContain("$.trigger.audience.contacts[0].address");
    expect(JSON.stringify(notSendable.body)).toContain("is not an address on WhatsApp");
  });

  it("tag added: through the contacts API and through a contact.tag step, the tag flow starts on the contact's conversation", async () => {
    const to = "4915200000020";
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, to, "Vi", clock.now);
    await customer.say("join");
    // The join flow tags the contact gold and completes; the tag flow then starts in the conversation.
    await stack.sandbox.wa.waitForSent((m) => m.to === to && m.text === "Welcome to gold");
    expect(sentTo(to)).toEqual(["You joined.", "Welcome to gold"]);

    const list = await api("GET", "/contacts?tag=gold");
    const contact = (list.body.items as Array<{ id: string; identities: Array<{ address: string }> }>).find(
      (c) => c.identities.some((i) => i.address === to),
    );
    expect((await api("POST", `/contacts/${contact?.id}/tags`, { add: ["vip"] })).status).toBe(200);
    await stack.sandbox.wa.waitForSent((m) => m.to === to && m.text === "Welcome to vip");
    // A tag the contact already has is no gain: nothing starts.
    expect((await api("POST", `/contacts/${contact?.id}/tags`, { add: ["vip"] })).status).toBe(200);
    await stack.tern.worker.idle();
    expect(sentTo(to)).toEqual(["You joined.", "Welcome to gold", "Welcome to vip"]);
  });
});
