import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  signBirdRequest,
  signMessageBirdJwt,
  smsInboundBody,
  smsOutboundBody,
} from "../../src/sandbox/bird/webhooks.js";
import {
  type ChannelStack,
  deliveryRows,
  playLeadConversation,
  runsOf,
  startChannelStack,
} from "../helpers/channel-stack.js";
import { eventually } from "../helpers/in-process.js";

describe("Bird end to end through the simulator", () => {
  let env: ChannelStack;
  const from = "+31612345678";
  beforeEach(async () => {
    env = await startChannelStack("bird");
  });
  afterEach(async () => {
    await env.close();
  });

  it("a signed sms.inbound → the lead template → a Lead, and the reply sent with the access key", async () => {
    const { confirmation, leads } = await playLeadConversation(env, from);
    expect(leads).toHaveLength(1);
    expect(confirmation.text).toContain(leads[0]?.Id);
    const { request } = confirmation;
    const config = env.sim.config;
    expect(request.method).toBe("POST");
    expect(request.path).toBe(
      `/workspaces/${String(config.workspaceId)}/channels/${String(config.channelId)}/messages`,
    );
    expect(request.headers.authorization).toBe(`AccessKey ${String(config.accessKey)}`);
    expect(request.body).toMatchObject({
      receiver: { contacts: [{ identifierValue: from }] },
      body: { type: "text", text: { text: confirmation.text } },
    });
    // Each send carries its effect key as `reference`, which Bird echoes in status events.
    const references = env.sim.sent.map((s) => (s.request.body as { reference?: string }).reference);
    expect(references.every((r) => typeof r === "string" && r.length > 0)).toBe(true);
    expect(new Set(references).size).toBe(references.length);
  });

  it("accepts the legacy MessageBird-Signature-JWT too", async () => {
    const body = smsInboundBody({
      id: "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f",
      channelId: String(env.sim.config.channelId),
      from,
      to: "+31970102030",
      text: "Hi",
    });
    const headers = signMessageBirdJwt({
      signingKey: String(env.sim.config.signingKey),
      url: env.webhookUrl,
      body,
    });
    const answer = await fetch(env.webhookUrl, { method: "POST", headers, body });
    expect(answer.status).toBe(200);
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
  });

  it("an sms.outbound delivery_failed is recorded against the message Tern sent", async () => {
    await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    const reply = await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    const message = { ...(reply.request.body as Record<string, unknown>), id: reply.providerMessageId };
    const body = smsOutboundBody({
      message: { ...message, channelId: env.sim.config.channelId, direction: "outgoing" },
      status: "delivery_failed",
      failure: { code: 1, description: "Unknown subscriber" },
    });
    const headers = signBirdRequest({
      signingKey: String(env.sim.config.signingKey),
      url: env.webhookUrl,
      body,
    });
    expect((await fetch(env.webhookUrl, { method: "POST", headers, body })).status).toBe(200);
    const { tern } = env.stack;
    const contactId = await eventually(async () => (await tern.store.contacts.list())[0]?.id);
    const failed = await eventually(async () =>
      (await tern.store.contacts.messages(contactId)).find(
        (m) => m.direction === "out" && m.status === "failed",
      ),
    );
    expect(failed.providerMessageId).toBe(reply.providerMessageId);
  });

  it("answers a webhook changed by one byte 401 and stores nothing", async () => {
    const before = await deliveryRows(env);
    const signed = env.sim.webhook(env.webhookUrl, { from, text: "Hi" });
    const body = Buffer.from(signed.body);
    const at = body.indexOf('"Hi"') + 1;
    body[at] = (body[at] ?? 0) ^ 0x01; // "Hi" → "Ii"
    const response = await fetch(signed.url, { method: "POST", headers: signed.headers, body });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain(String(env.sim.config.signingKey));
    // The same body signed for another URL is refused too: Bird signs the URL.
    const moved = await fetch(signed.url, {
      method: "POST",
      headers: env.sim.webhook(`${env.webhookUrl}?x=1`, { from, text: "Hi" }).headers,
      body: signed.body,
    });
    expect(moved.status).toBe(401);
    expect(await deliveryRows(env)).toEqual(before);
    expect(await runsOf(env)).toEqual([]);
    expect(env.sim.sent).toEqual([]);
  });

  it("acknowledges a signed event of another type (whatsapp.inbound, sms.interaction) and stores nothing", async () => {
    const before = await deliveryRows(env);
    const sms = JSON.parse(env.sim.webhook(env.webhookUrl, { from, text: "Hi" }).body) as Record<
      string,
      unknown
    >;
    for (const event of ["whatsapp.inbound", "sms.interaction"]) {
      // The SMS channel's own channelId and a well-formed message: only the event type is wrong.
      const body = JSON.stringify({ ...sms, event });
      const headers = signBirdRequest({
        signingKey: String(env.sim.config.signingKey),
        url: env.webhookUrl,
        body,
      });
      const response = await fetch(env.webhookUrl, { method: "POST", headers, body });
      expect(response.status).toBe(200);
    }
    expect(await deliveryRows(env)).toEqual(before);
    expect(await runsOf(env)).toEqual([]);
    expect(env.sim.sent).toEqual([]);
  });

  it("a redelivered webhook (same message id) makes no second run", async () => {
    const first = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    const again = await env.sim.say(env.webhookUrl, { from, text: "Hi", id: first.id });
    expect(again.status).toBe(200);
    await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
    const next = await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    expect(next.text).toContain("Grace Hopper");
    expect(await runsOf(env)).toHaveLength(1);
    expect(env.sim.sent).toHaveLength(2);
  });
});
