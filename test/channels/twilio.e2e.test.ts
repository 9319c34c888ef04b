import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import {
  inboundForm,
  newSid,
  signedGetRequest,
  type TwilioChannelSimulator,
} from "../../src/sandbox/twilio/index.js";
import { type ChannelStack, deliveryRows, runsOf, startChannelStack } from "../helpers/channel-stack.js";
import { selectRows } from "../helpers/db-inspect.js";
import { eventually } from "../helpers/in-process.js";

const smsLead = () => JSON.parse(readFileSync(templatePath("sms-lead.json"), "utf8")) as unknown;
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

describe("Twilio end to end through the simulator", () => {
  let env: ChannelStack;
  const from = "+14155550100";
  const twilio = () => env.sim as TwilioChannelSimulator;
  afterEach(async () => {
    await env.close();
  });

  describe("with the SMS lead template", () => {
    beforeEach(async () => {
      env = await startChannelStack("twilio", { flow: smsLead() });
    });

    it("a signed SMS in → a Lead with the phone, and the reply created by the Messages API as Twilio expects", async () => {
      // Creating the channel pointed the number's "A message comes in" webhook at Tern.
      expect(env.created.setup).toMatchObject({ ok: true });
      expect(twilio().provider.smsUrl).toBe(env.webhookUrl);
      const answer = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
      expect(answer).toMatchObject({ status: 200, body: EMPTY_TWIML });
      expect(answer.contentType).toMatch(/^text\/xml/);
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
      await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
      await env.sim.say(env.webhookUrl, { from, text: "Navy" });
      const confirmation = await env.sim.waitForSent((s) => s.to === from && s.text.includes("reference"));
      const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Navy");
      expect(leads).toHaveLength(1);
      expect(leads[0]).toMatchObject({ LastName: "Grace Hopper", Phone: from, LeadSource: "SMS" });
      expect(confirmation.text).toContain(leads[0]?.Id);
      const { config } = twilio().provider;
      const { request } = confirmation;
      expect(request.method).toBe("POST");
      expect(request.path).toBe(`/2010-04-01/Accounts/${config.accountSid}/Messages.json`);
      expect(request.headers.authorization).toBe(
        `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString("base64")}`,
      );
      expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      expect(request.body).toEqual({ To: from, From: config.from, Body: confirmation.text });
      // Twilio's webhook carries no time: each message is dated when Tern received it.
      const stored = await selectRows(env.stack.database, "SELECT event_json, received_at FROM inbox");
      for (const row of stored) {
        expect(JSON.parse(String(row.event_json))).toMatchObject({ timestamp: Number(row.received_at) });
      }
    });

    it("answers a webhook changed by one byte 401 and stores nothing", async () => {
      const before = await deliveryRows(env);
      const signed = env.sim.webhook(env.webhookUrl, { from, text: "Hi" });
      const body = signed.body.replace("Body=Hi", "Body=Ii");
      const response = await fetch(signed.url, { method: "POST", headers: signed.headers, body });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain(twilio().provider.config.authToken);
      expect(await deliveryRows(env)).toEqual(before);
      expect(await runsOf(env)).toEqual([]);
      expect(env.sim.sent).toEqual([]);
    });

    it("reads an SMS delivered by HTTP GET (the webhook method set so in the Console); a changed query is 401", async () => {
      const { config } = twilio().provider;
      const fields = inboundForm({
        accountSid: config.accountSid,
        messageSid: newSid("SM"),
        from,
        to: config.from,
        body: "Hi & hello = fine",
      });
      const tampered = signedGetRequest(env.webhookUrl, fields, config.authToken);
      const refused = await fetch(tampered.url.replace("Body=Hi", "Body=Ii"), { headers: tampered.headers });
      expect(refused.status).toBe(401);
      expect(await runsOf(env)).toEqual([]);
      const request = signedGetRequest(env.webhookUrl, fields, config.authToken);
      const response = await fetch(request.url, { headers: request.headers });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(EMPTY_TWIML);
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
      const stored = await selectRows(env.stack.database, "SELECT event_json FROM inbox");
      expect(stored.map((r) => JSON.parse(String(r.event_json)).content)).toEqual([
        { type: "text", text: "Hi & hello = fine" },
      ]);
    });

    it("answers a malformed GET delivery (no query, bad percent-encoding, a body, no signature) with a 4xx and stores nothing", async () => {
      const before = await deliveryRows(env);
      const signed = signedGetRequest(env.webhookUrl, { Body: "x" }, twilio().provider.config.authToken);
      const attempts: Array<[string, RequestInit]> = [
        [env.webhookUrl, { headers: signed.headers }],
        [`${env.webhookUrl}?Body=%zz&MessageSid=%E0%A4%A`, { headers: signed.headers }],
        [`${env.webhookUrl}?AccountSid=AC1&MessageSid=SM1&Body=hi`, {}],
        [signed.url, { headers: { ...signed.headers, "x-twilio-signature": "not base64" } }],
      ];
      for (const [url, init] of attempts) {
        const res = await fetch(url, init);
        expect([url, res.status >= 400 && res.status < 500]).toEqual([url, true]);
      }
      expect(await deliveryRows(env)).toEqual(before);
      expect(await runsOf(env)).toEqual([]);
    });

    it("a redelivered webhook (same MessageSid) makes no second run", async () => {
      const first = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
      const again = await env.sim.say(env.webhookUrl, { from, text: "Hi", id: first.id });
      expect(again).toMatchObject({ status: 200, body: EMPTY_TWIML });
      await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
      const next = await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
      expect(next.text).toContain("Grace Hopper");
      expect(await runsOf(env)).toHaveLength(1);
      expect(env.sim.sent).toHaveLength(2);
    });

    it("Twilio's own opt-out words act as STOP and START whatever Tern's keyword list, and YES from anyone else is an answer", async () => {
      await env.sim.say(env.webhookUrl, { from, text: "Hi" });
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
      // Mid-question, a word Twilio opts out on (and then blocks every send to: 21610).
      await env.sim.say(env.webhookUrl, { from, text: " Unsubscribe " });
      const ended = await eventually(async () => {
        const runs = (await runsOf(env)) as Array<{ status: string; endReason?: { code: string } | null }>;
        return runs.find((r) => r.endReason?.code === "CONTACT_OPTED_OUT");
      });
      expect(ended.endReason?.code).toBe("CONTACT_OPTED_OUT");
      await env.sim.say(env.webhookUrl, { from, text: "Hi" });
      // UNSTOP, another of Twilio's words, opts back in; the next Hi starts the flow again.
      await env.sim.say(env.webhookUrl, { from, text: "UNSTOP" });
      await env.sim.say(env.webhookUrl, { from, text: "Hi" });
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("name") && env.sim.sent.length === 2);
      expect(env.sim.sent.filter((s) => s.text.includes("name"))).toHaveLength(2);
      // Not opted out: "yes" is the answer to the question, not an opt-in.
      await env.sim.say(env.webhookUrl, { from, text: "yes" });
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    });

    it("a WhatsApp message through Twilio is answered over WhatsApp", async () => {
      await env.sim.say(env.webhookUrl, { from: `whatsapp:${from}`, text: "Hi" });
      const reply = await env.sim.waitForSent((s) => s.to === `whatsapp:${from}`);
      expect(reply.request.body).toMatchObject({
        To: `whatsapp:${from}`,
        From: `whatsapp:${twilio().provider.config.from}`,
      });
    });
  });

  it("with publicUrl, each message asks for status callbacks there, and an undelivered one is recorded failed with Twilio's ErrorCode", async () => {
    // publicUrl is the webhook URL as pasted in the Console; Tern only learns its id on creation.
    env = await startChannelStack("twilio", { flow: smsLead() });
    const patched = await env.stack.http("PATCH", `/api/v1/channels/${env.channelId}`, {
      config: { ...env.sim.config, publicUrl: env.webhookUrl },
    });
    expect(patched.status).toBe(200);
    await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    const question = await env.sim.waitForSent((s) => s.to === from);
    expect(question.request.body).toMatchObject({ StatusCallback: env.webhookUrl });
    expect(await twilio().provider.postStatus(question.providerMessageId, "sent")).toBe(200);
    expect(
      await twilio().provider.postStatus(question.providerMessageId, "undelivered", { errorCode: "30003" }),
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
      .toEqual([{ status: "failed", error_json: expect.stringContaining("30003") }]);
  });
});

describe("Twilio status callbacks as Twilio reports progress", () => {
  let env: ChannelStack;
  afterEach(async () => {
    await env.close();
  });

  it("sent then delivered, posted to each message's StatusCallback, leave the message delivered", async () => {
    env = await startChannelStack("twilio", { flow: smsLead() });
    const patched = await env.stack.http("PATCH", `/api/v1/channels/${env.channelId}`, {
      config: { ...env.sim.config, publicUrl: env.webhookUrl },
    });
    expect(patched.status).toBe(200);
    (env.sim as TwilioChannelSimulator).provider.deliverStatuses(["sent", "delivered"]);
    await env.sim.say(env.webhookUrl, { from: "+14155550123", text: "Hi" });
    const question = await env.sim.waitForSent((s) => s.to === "+14155550123");
    await expect
      .poll(
        async () =>
          await selectRows(
            env.stack.database,
            "SELECT provider_message_id, status FROM messages WHERE direction = 'out'",
          ),
        { timeout: 5_000 },
      )
      .toEqual([{ provider_message_id: question.providerMessageId, status: "delivered" }]);
  });
});
