import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTelegramSimulator, type TelegramSimulator } from "./simulator.js";

/** The simulator answers as the Bot API documents: {ok, result} or {ok:false, error_code, description}. */
describe("Telegram simulator", () => {
  let sim: TelegramSimulator;
  beforeEach(async () => {
    sim = await startTelegramSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const call = async (method: string, body: unknown, token = sim.config.botToken) => {
    const response = await fetch(`${sim.url}/bot${token}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it("answers 401 Unauthorized for another bot's token", async () => {
    expect(await call("getMe", {}, "1:wrong")).toEqual({
      status: 401,
      json: { ok: false, error_code: 401, description: "Unauthorized" },
    });
  });

  it("registers https and loopback webhooks only", async () => {
    const refused = await call("setWebhook", {
      url: "http://tern.example/webhooks/ch_1",
      secret_token: "abc",
    });
    expect(refused).toMatchObject({ status: 400, json: { ok: false, error_code: 400 } });
    expect(
      await call("setWebhook", { url: "https://tern.example/webhooks/ch_1", secret_token: "a b" }),
    ).toMatchObject({ status: 400 });
    expect(
      await call("setWebhook", {
        url: "https://tern.example/webhooks/ch_1",
        secret_token: "abc",
        allowed_updates: ["message"],
      }),
    ).toEqual({
      status: 200,
      json: { ok: true, result: true, description: "Webhook was set" },
    });
    expect(sim.webhook).toEqual({
      url: "https://tern.example/webhooks/ch_1",
      secretToken: "abc",
      allowedUpdates: ["message"],
    });
  });

  it("refuses what sendMessage refuses: no text, too long, callback_data over 64 bytes, a blocked chat", async () => {
    expect((await call("sendMessage", { chat_id: 1 })).json.description).toBe(
      "Bad Request: message text is empty",
    );
    expect((await call("sendMessage", { chat_id: 1, text: "x".repeat(4097) })).json.description).toBe(
      "Bad Request: message is too long",
    );
    const keyboard = { inline_keyboard: [[{ text: "A", callback_data: "x".repeat(65) }]] };
    expect(
      (await call("sendMessage", { chat_id: 1, text: "hi", reply_markup: keyboard })).json.description,
    ).toBe("Bad Request: BUTTON_DATA_INVALID");
    sim.block("1");
    expect(await call("sendMessage", { chat_id: 1, text: "hi" })).toEqual({
      status: 403,
      json: { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" },
    });
    expect(sim.sent).toEqual([]);
  });

  it("answers a send with the Message and fails on demand with retry_after", async () => {
    const ok = await call("sendPhoto", { chat_id: 5, photo: "https://e.example/a.jpg", caption: "hi" });
    expect(ok.json).toMatchObject({ ok: true, result: { message_id: 1, chat: { id: 5 }, caption: "hi" } });
    sim.failNext(1, { status: 429, description: "Too Many Requests: retry after 3", retryAfter: 3 });
    expect((await call("sendMessage", { chat_id: 5, text: "hi" })).json).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 3",
      parameters: { retry_after: 3 },
    });
  });
});
