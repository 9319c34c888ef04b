import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import { postWebhookRequest } from "../../src/sandbox/channel-simulator.js";
import {
  inboundParams,
  signedWebhook,
  type VonageChannelSimulator,
  type VonageWebhookMethod,
} from "../../src/sandbox/vonage/index.js";
import { type ChannelStack, deliveryRows, runsOf, startChannelStack } from "../helpers/channel-stack.js";
import { selectRows } from "../helpers/db-inspect.js";

const smsLead = () => JSON.parse(readFileSync(templatePath("sms-lead.json"), "utf8")) as unknown;

describe("Vonage end to end through the simulator", () => {
  let env: ChannelStack;
  const from = "447700900001";
  const vonage = () => env.sim as VonageChannelSimulator;
  beforeEach(async () => {
    env = await startChannelStack("vonage", { flow: smsLead() });
  });
  afterEach(async () => {
    await env.close();
  });

  it("a signed inbound SMS → a Lead with the phone, and the reply sent to /sms/json as Vonage expects", async () => {
    // Creating the channel set the number's inbound webhook (after Vonage's GET probe got 200).
    expect(env.created.setup).toMatchObject({
      ok: true,
      message: expect.stringMatching(/Delivery receipts/),
    });
    expect(vonage().provider.moHttpUrl).toBe(env.webhookUrl);
    const answer = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    expect(answer).toMatchObject({ status: 200, body: "" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    await env.sim.say(env.webhookUrl, { from, text: "Navy" });
    const confirmation = await env.sim.waitForSent((s) => s.to === from && s.text.includes("reference"));
    const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Navy");
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ LastName: "Grace Hopper", Phone: `+${from}` });
    expect(confirmation.text).toContain(leads[0]?.Id);
    const { config } = vonage().provider;
    const { request } = confirmation;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/sms/json");
    expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request.body).toEqual({
      api_key: config.apiKey,
      api_secret: "[redacted]", // the simulator checked it, then hid it from the record
      from: config.from,
      to: from,
      text: confirmation.text,
      type: "text",
      "client-ref": expect.stringMatching(/^run_/),
    });
  });

  it("a long SMS delivered in three parts, out of order, is one answer: the Lead gets the whole text", async () => {
    await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    const company =
      "Naval Computation Laboratory of the United States Navy, Bureau of Ships, Harvard Mark I project, " +
      "and later the Eckert-Mauchly Computer Corporation of Philadelphia";
    const parts = vonage().partedWebhooks(env.webhookUrl, { from, text: company }, 60);
    expect(parts).toHaveLength(3);
    const [first, second, third] = parts as [(typeof parts)[0], (typeof parts)[0], (typeof parts)[0]];
    for (const part of [second, third]) expect(await postWebhookRequest(part)).toMatchObject({ status: 200 });
    // Two of three parts in: the question is not answered with a fragment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(env.sim.sent.filter((s) => s.to === from && s.text.includes("reference"))).toEqual([]);
    expect(await postWebhookRequest(first)).toMatchObject({ status: 200 });
    const confirmation = await env.sim.waitForSent((s) => s.to === from && s.text.includes("reference"));
    const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.LastName === "Grace Hopper");
    expect(leads).toHaveLength(1);
    expect(leads[0]?.Company).toBe(company);
    expect(confirmation.text).toContain(leads[0]?.Id);
    // Each part is kept in the conversation's history; the company question was asked once.
    expect(env.sim.sent.filter((s) => s.to === from && s.text.includes("company"))).toHaveLength(1);
    const stored = await selectRows(env.stack.database, "SELECT text FROM messages WHERE direction = 'in'");
    expect(stored.map((m) => m.text)).toEqual(expect.arrayContaining(company.match(/[\s\S]{1,60}/g) ?? []));
  });

  it.each<VonageWebhookMethod>(["GET", "POST"])(
    "reads an inbound SMS delivered by the Dashboard's %s method",
    async (method) => {
      const { config } = vonage().provider;
      const params = inboundParams({
        apiKey: config.apiKey,
        messageId: `0A00000000000${method === "GET" ? "GE" : "PO"}T`,
        msisdn: from,
        to: config.from,
        text: "Hi & hello = fine",
      });
      const request = signedWebhook(
        env.webhookUrl,
        params,
        config.signatureSecret,
        config.signatureMethod,
        method,
      );
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.method === "POST" ? { body: request.body } : {}),
      });
      expect(response.status).toBe(200);
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    },
  );

  it("answers a tampered or unsigned webhook 401 and stores nothing", async () => {
    const before = await deliveryRows(env);
    const signed = env.sim.webhook(env.webhookUrl, { from, text: "Hi" });
    const tampered = await fetch(signed.url, {
      method: "POST",
      headers: signed.headers,
      body: signed.body.replace('"text":"Hi"', '"text":"Ii"'),
    });
    expect(tampered.status).toBe(401);
    const unsigned = JSON.parse(signed.body) as Record<string, string>;
    delete unsigned.sig;
    const withoutSig = await fetch(signed.url, {
      method: "POST",
      headers: signed.headers,
      body: JSON.stringify(unsigned),
    });
    expect(withoutSig.status).toBe(401);
    expect(await withoutSig.text()).not.toContain(vonage().provider.config.signatureSecret);
    expect(await deliveryRows(env)).toEqual(before);
    expect(await runsOf(env)).toEqual([]);
    expect(env.sim.sent).toEqual([]);
  });

  it("a redelivered webhook (same messageId) makes no second run", async () => {
    const first = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    expect((await env.sim.say(env.webhookUrl, { from, text: "Hi", id: first.id })).status).toBe(200);
    await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
    const next = await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    expect(next.text).toContain("Grace Hopper");
    expect(await runsOf(env)).toHaveLength(1);
    expect(env.sim.sent).toHaveLength(2);
  });

  it("a failed delivery receipt is recorded on the message with Vonage's err-code", async () => {
    await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    const question = await env.sim.waitForSent((s) => s.to === from);
    const provider = vonage().provider;
    expect(await provider.postReceipt(question.providerMessageId, "accepted", { url: env.webhookUrl })).toBe(
      200,
    );
    expect(
      await provider.postReceipt(question.providerMessageId, "failed", { url: env.webhookUrl, errCode: "6" }),
    ).toBe(200);
    await expect
      .poll(
        async () =>
          await selectRows(
            env.stack.database,
            "SELECT status, error_json FROM messages WHERE direction = 'out'",
          ),
        { timeout: 5_000 },
      )
      .toEqual([{ status: "failed", error_json: expect.stringContaining('"code":6') }]);
  });
});

describe("Vonage: a send whose answer was lost", () => {
  let env: ChannelStack;
  afterEach(async () => {
    await env.close();
  });

  it("is settled by its delivery receipt (client-ref = the effect key), sent once, and the flow goes on", async () => {
    env = await startChannelStack("vonage", { flow: smsLead(), env: { TERN_SEND_RECONCILE_MS: "10000" } });
    const provider = (env.sim as VonageChannelSimulator).provider;
    provider.deliverReceiptsTo(env.webhookUrl);
    provider.dropNextAfterAccept(1);
    const from = "447700900002";
    await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    const question = await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    await expect
      .poll(
        async () =>
          await selectRows(
            env.stack.database,
            "SELECT provider_message_id, status FROM messages WHERE direction = 'out'",
          ),
        { timeout: 8_000 },
      )
      .toEqual([{ provider_message_id: question.providerMessageId, status: "delivered" }]);
    await env.sim.say(env.webhookUrl, { from, text: "Ada" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    expect(env.sim.sent.filter((s) => s.text.includes("name"))).toHaveLength(1);
  });
});
