import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  contactUpdate,
  type TelegramChannelSimulator,
  textUpdate,
  webhookHeaders,
} from "../../src/sandbox/telegram/index.js";
import { type ChannelStack, startChannelStack } from "../helpers/channel-stack.js";
import { selectRows } from "../helpers/db-inspect.js";
import { eventually } from "../helpers/in-process.js";

/**
 * Telegram end to end: POST /channels registers the webhook with setWebhook at the simulator,
 * updates carrying the registered secret token run the lead template, and the replies reach the
 * simulator's sendMessage exactly as the Bot API takes them.
 */
describe("Telegram end to end through the Bot API simulator", () => {
  let env: ChannelStack;
  let sim: TelegramChannelSimulator;
  beforeEach(async () => {
    env = await startChannelStack("telegram");
    sim = env.sim as TelegramChannelSimulator;
  });
  afterEach(async () => {
    await env.close();
  });

  const runs = async () =>
    ((await (await env.stack.http("GET", "/api/v1/runs")).json()) as { items: unknown[] }).items;

  it("POST /channels registers the webhook with the secret token and answers the setup report", async () => {
    expect(env.created.setup).toMatchObject({ ok: true });
    expect(String((env.created.setup as { message: string }).message)).toContain(env.webhookUrl);
    expect(sim.provider.webhook).toEqual({
      url: env.webhookUrl,
      secretToken: sim.config.secretToken,
      allowedUpdates: ["message", "callback_query"],
    });
    // The answer never carries the secrets.
    const text = JSON.stringify(env.created);
    expect(text).not.toContain(String(sim.config.botToken));
    expect(text).not.toContain(String(sim.config.secretToken));
    // getWebhookInfo over HTTP, as an operator would check it.
    const info = (await (
      await fetch(`${sim.url}/bot${String(sim.config.botToken)}/getWebhookInfo`)
    ).json()) as {
      result: { url: string };
    };
    expect(info.result.url).toBe(env.webhookUrl);
  });

  it("a Bot API that cannot be reached: the channel is created, its setup report says setWebhook failed and nothing changed, without the token", async () => {
    const res = await env.stack.http("POST", "/api/v1/channels", {
      type: "telegram",
      name: "unreachable bot",
      config: {
        botToken: "123456:ABC-unreachable_token",
        secretToken: "s3cret-token",
        apiBaseUrl: "http://127.0.0.1:1",
      },
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    const { setup } = JSON.parse(text) as { setup: { ok: boolean; message: string } };
    expect(setup.ok).toBe(false);
    expect(setup.message).toMatch(
      /^setWebhook failed: Could not reach the Telegram API .*; nothing was changed there\.$/,
    );
    expect(setup.message).not.toMatch(/message was not sent/);
    expect(text).not.toContain("ABC-unreachable_token");
  });

  // A bot has one webhook: a second channel of the same bot is refused (test/e2e/telegram-one-bot.test.ts),
  // so it cannot take the first one's webhook, and deleting the channel removes it.
  it("DELETE /channels removes the bot's webhook at Telegram; a second channel of the bot is refused and takes nothing", async () => {
    const second = await env.stack.http("POST", "/api/v1/channels", {
      type: "telegram",
      name: "same bot",
      config: env.sim.config,
    });
    expect(second.status).toBe(409);
    expect(sim.provider.webhook?.url).toBe(env.webhookUrl);
    expect((await env.stack.http("DELETE", `/api/v1/channels/${env.channelId}`)).status).toBe(204);
    expect(sim.provider.webhook?.url ?? null).toBeNull();
  });

  it("an update in → the lead template → a Lead, and the replies sent with sendMessage exactly as Telegram expects", async () => {
    const from = "111222333";
    expect((await sim.say(env.webhookUrl, { from, text: "Hi", name: "Grace" })).status).toBe(200);
    const ask = await sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    // Exactly what the Bot API takes: the token in the path, a JSON body with the numeric chat id.
    const exact = sim.provider.sent.find((m) => `${m.chatId}:${m.messageId}` === ask.providerMessageId);
    expect(exact?.path).toBe(`/bot${String(sim.config.botToken)}/sendMessage`);
    expect(exact?.headers["content-type"]).toContain("application/json");
    expect(exact?.body).toEqual({ chat_id: 111222333, text: ask.text });
    // The common view the sandbox API shows never carries the token.
    expect(JSON.stringify(ask)).not.toContain(String(sim.config.botToken));
    await sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
    await sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    await sim.say(env.webhookUrl, { from, text: "Navy" });
    const confirmation = await sim.waitForSent((s) => s.to === from && s.text.includes("reference"));
    const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Navy");
    expect(leads).toHaveLength(1);
    expect(leads[0]?.LastName).toBe("Grace Hopper");
    expect(confirmation.text).toContain(leads[0]?.Id);
  });

  it("refuses an update whose secret token differs by one byte, or is missing, with 401 and stores nothing", async () => {
    const signed = sim.webhook(env.webhookUrl, { from: "444555666", text: "Hi" });
    const secret = Buffer.from(signed.headers["x-telegram-bot-api-secret-token"] ?? "");
    secret[0] = (secret[0] ?? 0) ^ 0x01;
    const tampered = await fetch(signed.url, {
      method: "POST",
      headers: { ...signed.headers, "x-telegram-bot-api-secret-token": secret.toString() },
      body: signed.body,
    });
    expect(tampered.status).toBe(401);
    const { "x-telegram-bot-api-secret-token": _omitted, ...unsigned } = signed.headers;
    const missing = await fetch(signed.url, { method: "POST", headers: unsigned, body: signed.body });
    expect(missing.status).toBe(401);
    const body = await missing.text();
    expect(body).not.toContain(String(sim.config.secretToken));
    expect(
      await selectRows(env.stack.database, `SELECT id FROM inbox WHERE channel_id = '${env.channelId}'`),
    ).toEqual([]);
    expect(await runs()).toEqual([]);
    expect(sim.sent).toEqual([]);
  });

  it("a redelivered update (same update_id) makes no second run", async () => {
    const from = "777888999";
    const first = await sim.say(env.webhookUrl, { from, text: "Hi", id: "500000001" });
    expect(first.status).toBe(200);
    await sim.waitForSent((s) => s.to === from);
    expect((await sim.say(env.webhookUrl, { from, text: "Hi", id: "500000001" })).status).toBe(200);
    const rows = await selectRows(
      env.stack.database,
      `SELECT provider_message_id FROM inbox WHERE channel_id = '${env.channelId}'`,
    );
    expect(rows).toEqual([{ provider_message_id: "500000001" }]);
    await eventually(async () => (await runs()).length === 1);
    expect(await runs()).toHaveLength(1);
    expect(sim.sent.filter((s) => s.to === from)).toHaveLength(1);
  });

  it("a tapped inline button comes back as the choice, and the tap is answered in the webhook reply", async () => {
    const from = "222333444";
    const flow = {
      schema: "tern.flow/v1",
      name: "Telegram menu",
      trigger: { type: "message", channels: ["telegram"] },
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
            { id: `support-${"x".repeat(80)}`, title: "Support" },
          ],
          next: "done",
        },
        { id: "done", type: "send", text: "You chose {{ vars.topic | truncate: 12 }}" },
      ],
    };
    await env.close();
    env = await startChannelStack("telegram", { flow });
    sim = env.sim as TelegramChannelSimulator;
    await sim.say(env.webhookUrl, { from, text: "Hi" });
    const menu = await sim.waitForSent((s) => s.to === from && s.choices.length === 2);
    // One id is longer than callback_data's 64 bytes, so every button carries its position.
    expect((menu.request.body as { reply_markup: unknown }).reply_markup).toEqual({
      inline_keyboard: [[{ text: "Sales", callback_data: "#1" }], [{ text: "Support", callback_data: "#2" }]],
    });
    const tap = await sim.say(env.webhookUrl, {
      from,
      text: "Support",
      choice: { id: "#2", title: "Support" },
    });
    expect(tap.contentType).toContain("application/json");
    expect(JSON.parse(tap.body)).toMatchObject({ method: "answerCallbackQuery" });
    expect(sim.provider.answeredCallbacks).toHaveLength(1);
    const done = await sim.waitForSent((s) => s.to === from && s.text.startsWith("You chose"));
    expect(done.text).toBe("You chose support-x...");
  });

  it('a button tapped by position is that choice, whatever the ids look like (an id "#2" on the first button)', async () => {
    const from = "222333445";
    const flow = {
      schema: "tern.flow/v1",
      name: "Telegram positions",
      trigger: { type: "message", channels: ["telegram"] },
      steps: [
        {
          id: "menu",
          type: "menu",
          text: "Which one?",
          save: "pick",
          choices: [
            { id: "#2", title: "Alpha" },
            { id: "b", title: "Beta" },
          ],
          next: "done",
        },
        { id: "done", type: "send", text: "You chose {{ vars.pick }}" },
      ],
    };
    await env.close();
    env = await startChannelStack("telegram", { flow });
    sim = env.sim as TelegramChannelSimulator;
    await sim.say(env.webhookUrl, { from, text: "Hi" });
    const menu = await sim.waitForSent((s) => s.to === from && s.choices.length === 2);
    // "#2" looks like a position, so every button carries its own.
    expect((menu.request.body as { reply_markup: unknown }).reply_markup).toEqual({
      inline_keyboard: [[{ text: "Alpha", callback_data: "#1" }], [{ text: "Beta", callback_data: "#2" }]],
    });
    await sim.say(env.webhookUrl, { from, text: "Beta", choice: { id: "#2", title: "Beta" } });
    const done = await sim.waitForSent((s) => s.to === from && s.text.startsWith("You chose"));
    expect(done.text).toBe("You chose b");
  });

  it("a contact the customer shares about themselves becomes the contact's phone in E.164, and the Lead's Phone", async () => {
    const chatId = 333444555;
    const customer = { chatId, firstName: "Ada" };
    const post = (update: unknown) =>
      fetch(env.webhookUrl, {
        method: "POST",
        headers: webhookHeaders(String(sim.config.secretToken)),
        body: JSON.stringify(update),
      });
    // The request_contact keyboard button sends the user's own card, number without "+".
    expect((await post(contactUpdate(900000001, customer, "447911123456", 1))).status).toBe(200);
    await sim.waitForSent((s) => s.to === String(chatId) && s.text.includes("name"));
    expect((await post(textUpdate(900000002, customer, "Ada Lovelace", 2))).status).toBe(200);
    await sim.waitForSent((s) => s.to === String(chatId) && s.text.includes("company"));
    expect((await post(textUpdate(900000003, customer, "Engines", 3))).status).toBe(200);
    await sim.waitForSent((s) => s.to === String(chatId) && s.text.includes("reference"));
    const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Engines");
    expect(leads).toHaveLength(1);
    expect(leads[0]?.Phone).toBe("+447911123456");
  });

  it("an API trigger with only a phone is refused 400: Telegram reaches no one by number (found by an outside audit)", async () => {
    const flow = await env.stack.http("POST", "/api/v1/flows", {
      schema: "tern.flow/v1",
      name: "notify",
      trigger: { type: "api" },
      steps: [{ id: "s", type: "send", text: "Your order shipped." }],
    });
    const { id } = (await flow.json()) as { id: string };
    expect((await env.stack.http("POST", `/api/v1/flows/${id}/publish`)).status).toBe(200);
    const start = (contact: Record<string, string>) =>
      env.stack.http("POST", `/api/v1/flows/${id}/runs`, { contact: { channel: env.channelId, ...contact } });
    // Before: 202, and a run that failed at its send to "+447911123456".
    const refused = await start({ phone: "+447911123456" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      "contact.address is required on Telegram",
    );
    expect(await runs()).toEqual([]);
    expect((await start({ address: "123456789", phone: "+447911123456" })).status).toBe(202);
    await sim.waitForSent((s) => s.to === "123456789" && s.text === "Your order shipped.");
  });
});
