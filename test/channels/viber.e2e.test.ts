import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ViberChannelSimulator } from "../../src/sandbox/viber/index.js";
import { type ChannelStack, expectOneChannelPerBot, startChannelStack } from "../helpers/channel-stack.js";
import { selectRows } from "../helpers/db-inspect.js";
import { eventually } from "../helpers/in-process.js";

/**
 * Viber end to end: POST /channels calls set_webhook, whose callback check Tern's webhook route
 * answers; signed callbacks with int64 message tokens run the lead template; replies reach the
 * simulator's send_message exactly as Viber takes them.
 */
describe("Viber end to end through the REST Bot API simulator", () => {
  let env: ChannelStack;
  let sim: ViberChannelSimulator;
  beforeEach(async () => {
    env = await startChannelStack("viber");
    sim = env.sim as ViberChannelSimulator;
  });
  afterEach(async () => {
    await env.close();
  });

  const runs = async () =>
    ((await (await env.stack.http("GET", "/api/v1/runs")).json()) as { items: unknown[] }).items;
  const inbox = () =>
    selectRows(
      env.stack.database,
      `SELECT provider_message_id FROM inbox WHERE channel_id = '${env.channelId}'`,
    );

  it("POST /channels calls set_webhook, Tern answers Viber's callback check with 200, and the report says so", async () => {
    expect(env.created.setup).toMatchObject({
      ok: true,
      details: { eventTypes: expect.arrayContaining(["delivered"]) },
    });
    expect(sim.provider.webhook).toMatchObject({
      url: env.webhookUrl,
      sendName: true,
      callbackCheck: { status: 200 },
      eventTypes: ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"],
    });
    // The callback check is acknowledged, not stored as a message.
    expect(await inbox()).toEqual([]);
    expect(JSON.stringify(env.created)).not.toContain(String(sim.config.authToken));
  });

  it("DELETE /channels removes the webhook at Viber (an empty set_webhook); a second channel of the bot is refused and takes nothing", async () => {
    await expectOneChannelPerBot(env, () => sim.provider.webhook?.url ?? null);
  });

  it("a signed callback in → the lead template → a Lead, and the replies sent with send_message exactly as Viber expects", async () => {
    const from = "jc9HsWTZ2Yf2NkRZ8KcNug==";
    expect((await sim.say(env.webhookUrl, { from, text: "Hi", name: "Grace" })).status).toBe(200);
    const ask = await sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    const exact = sim.provider.sent.find((m) => m.messageToken === ask.providerMessageId);
    expect(exact?.path).toBe("/pa/send_message");
    expect(exact?.headers["x-viber-auth-token"]).toBe(sim.config.authToken);
    expect(exact?.headers["content-type"]).toContain("application/json");
    expect(JSON.stringify(ask)).not.toContain(String(sim.config.authToken));
    expect(exact?.body).toEqual({
      receiver: from,
      min_api_version: 1,
      sender: { name: sim.config.senderName },
      type: "text",
      text: ask.text,
    });
    await sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
    await sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    await sim.say(env.webhookUrl, { from, text: "Navy" });
    const confirmation = await sim.waitForSent((s) => s.to === from && s.text.includes("reference"));
    const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Navy");
    expect(leads).toHaveLength(1);
    expect(confirmation.text).toContain(leads[0]?.Id);
    // The int64 tokens Viber answered are stored exactly, for the delivered/seen/failed callbacks.
    const sentTokens = async () =>
      (
        await selectRows(
          env.stack.database,
          `SELECT provider_message_id FROM messages WHERE direction = 'out' AND provider_message_id IS NOT NULL`,
        )
      )
        .map((r) => String(r.provider_message_id))
        .sort();
    const answered = sim.sent.map((s) => s.providerMessageId).sort();
    await eventually(async () => (await sentTokens()).length === answered.length);
    expect(await sentTokens()).toEqual(answered);
    expect(sim.sent.every((s) => BigInt(s.providerMessageId) > 2n ** 53n)).toBe(true);
  });

  it("keeps message_token 5491478493491459001 exact and deduplicates its redelivery", async () => {
    const from = "01234567890A=";
    const token = "5491478493491459001";
    // JSON.parse would have read it as 5491478493491459000.
    expect(String(JSON.parse(token))).not.toBe(token);
    expect((await sim.say(env.webhookUrl, { from, text: "Hi", id: token })).status).toBe(200);
    await sim.waitForSent((s) => s.to === from);
    expect((await sim.say(env.webhookUrl, { from, text: "Hi", id: token })).status).toBe(200);
    // A neighbour token that a lossy parse would fold into the same number is a different message.
    expect((await sim.say(env.webhookUrl, { from, text: "Grace", id: "5491478493491459002" })).status).toBe(
      200,
    );
    await sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    expect((await inbox()).map((r) => r.provider_message_id)).toEqual([token, "5491478493491459002"]);
    await eventually(async () => (await runs()).length === 1);
    expect(await runs()).toHaveLength(1);
    expect(sim.sent.filter((s) => s.to === from)).toHaveLength(2);
  });

  it("refuses a callback changed by one byte, or unsigned, with 401 and stores nothing", async () => {
    const signed = sim.webhook(env.webhookUrl, { from: "tampered==", text: "Hi" });
    const body = Buffer.from(signed.body);
    const at = body.indexOf("Hi");
    body[at] = (body[at] ?? 0) ^ 0x01;
    expect((await fetch(signed.url, { method: "POST", headers: signed.headers, body })).status).toBe(401);
    const { "x-viber-content-signature": _omitted, ...unsigned } = signed.headers;
    const missing = await fetch(signed.url, { method: "POST", headers: unsigned, body: signed.body });
    expect(missing.status).toBe(401);
    expect(await missing.text()).not.toContain(String(sim.config.authToken));
    expect(await inbox()).toEqual([]);
    expect(await runs()).toEqual([]);
    expect(env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Hi")).toEqual([]);
  });

  it("a tapped keyboard button comes back as the choice, and delivered/seen callbacks mark the sent message read by its exact token", async () => {
    const from = "keyboard-user==";
    const flow = {
      schema: "tern.flow/v1",
      name: "Viber menu",
      trigger: { type: "message", channels: ["viber"] },
      start: "menu",
      steps: [
        {
          id: "menu",
          type: "ask",
          text: "Sales or support?",
          save: "topic",
          expect: "choice",
          choices: [
            { id: "sales", title: "Sales" },
            { id: "support", title: "Support" },
          ],
          next: "done",
        },
        { id: "done", type: "send", text: "You chose {{ vars.topic }}" },
      ],
    };
    await env.close();
    env = await startChannelStack("viber", { flow });
    sim = env.sim as ViberChannelSimulator;
    sim.provider.deliverStatuses(true);
    await sim.say(env.webhookUrl, { from, text: "Hi" });
    const menu = await sim.waitForSent((s) => s.to === from && s.choices.length === 2);
    expect((menu.request.body as { keyboard: unknown }).keyboard).toEqual({
      Type: "keyboard",
      DefaultHeight: false,
      Buttons: [
        { ActionType: "reply", ActionBody: "sales", Text: "Sales", TextSize: "regular" },
        { ActionType: "reply", ActionBody: "support", Text: "Support", TextSize: "regular" },
      ],
    });
    await sim.say(env.webhookUrl, { from, text: "Support", choice: { id: "support", title: "Support" } });
    await sim.waitForSent((s) => s.to === from && s.text === "You chose support");
    const status = async () =>
      (
        await selectRows(
          env.stack.database,
          `SELECT status FROM messages WHERE provider_message_id = '${menu.providerMessageId}'`,
        )
      )[0]?.status;
    await eventually(async () => (await status()) === "read");
    await eventually(() => sim.provider.statusDeliveries.length >= 2 * sim.sent.length);
    expect(sim.provider.statusDeliveries.filter((d) => d.messageToken === menu.providerMessageId)).toEqual([
      { event: "delivered", messageToken: menu.providerMessageId, status: 200 },
      { event: "seen", messageToken: menu.providerMessageId, status: 200 },
    ]);
  });
});
