import { describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { TelegramConfig } from "./config.js";
import { buildSendRequest, callbackData, send } from "./send.js";
import { setup } from "./setup.js";

const config = TelegramConfig.parse({
  botToken: "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
  secretToken: "s3cret_token",
});
const answering =
  (status: number, body: unknown, calls: string[] = []): FetchLike =>
  async (url) => {
    calls.push(String(url));
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail("expected a failure"),
    (e: unknown) => e,
  );

describe("Telegram send", () => {
  it("uses choice ids as callback_data while all fit in 64 bytes, positions otherwise", () => {
    expect(
      callbackData([
        { id: "a", title: "A" },
        { id: "b", title: "B" },
      ]),
    ).toEqual(["a", "b"]);
    expect(
      callbackData([
        { id: "a", title: "A" },
        { id: "é".repeat(33), title: "B" },
      ]),
    ).toEqual(["#1", "#2"]);
    // An id that looks like a position, or a repeated id, must not be confused with one.
    expect(
      callbackData([
        { id: "#2", title: "A" },
        { id: "b", title: "B" },
      ]),
    ).toEqual(["#1", "#2"]);
    expect(
      callbackData([
        { id: "a", title: "A" },
        { id: "a", title: "B" },
      ]),
    ).toEqual(["#1", "#2"]);
  });

  it("sends choices the keyboard cannot show (an empty or overlong title) as numbered text", () => {
    const keyboard = buildSendRequest({
      to: "1",
      text: "Pick",
      choices: [
        { id: "a", title: "A".repeat(64) },
        { id: "b", title: "B" },
      ],
    }).body;
    expect(keyboard).toMatchObject({ text: "Pick", reply_markup: { inline_keyboard: [[{}], [{}]] } });
    for (const title of ["", " ", "A".repeat(65)]) {
      const { body } = buildSendRequest({
        to: "1",
        text: "Pick",
        choices: [
          { id: "a", title },
          { id: "b", title: "B" },
        ],
      });
      expect(body).toEqual({ chat_id: 1, text: `Pick\n\n1. ${title}\n2. B` });
    }
  });

  it("refuses text over 4096 characters and a non-chat recipient without calling Telegram", () => {
    expect(() => buildSendRequest({ to: "1", text: "x".repeat(4097) })).toThrow(/4096/);
    expect(() => buildSendRequest({ to: "not a chat", text: "hi" })).toThrow(/chat id/);
    expect(buildSendRequest({ to: "@acme_channel", text: "hi" }).body.chat_id).toBe("@acme_channel");
  });

  it("waits parameters.retry_after on 429 and never retries a blocked chat", async () => {
    /** Telegram's refusal `{ok: false, error_code, description}` of a send. */
    const refused = (status: number, description: string, extra: Record<string, unknown> = {}) =>
      failure(
        send({ to: "1", text: "hi" }, config, {
          fetch: answering(status, { ok: false, error_code: status, description, ...extra }),
        }),
      );
    const limited = await refused(429, "Too Many Requests: retry after 17", {
      parameters: { retry_after: 17 },
    });
    expect(isAppError(limited) && limited.retry).toEqual({ afterMs: 17_000 });
    const blocked = await refused(403, "Forbidden: bot was blocked by the user");
    expect(isAppError(blocked) && blocked.retry).toBe("never");
    expect(isAppError(blocked) && blocked.message).toContain("blocked");
    // Telegram cannot reach the person: a send step's fallback channel may.
    expect(isAppError(blocked) && blocked.details?.undeliverable).toBe(true);
    expect(isAppError(limited) && limited.details?.undeliverable).toBeUndefined();
    const neverStarted = await refused(400, "Bad Request: chat not found");
    expect(isAppError(neverStarted) && neverStarted.details?.undeliverable).toBe(true);
    const badText = await refused(400, "Bad Request: message text is empty");
    expect(isAppError(badText) && badText.details?.undeliverable).toBeUndefined();
  });

  it("explains a wrong bot token without repeating it", async () => {
    const error = await failure(
      send({ to: "1", text: "hi" }, config, {
        fetch: answering(401, { ok: false, error_code: 401, description: "Unauthorized" }),
      }),
    );
    expect(isAppError(error) && error.message).toContain("@BotFather");
    expect(JSON.stringify(isAppError(error) ? [error.message, error.details] : error)).not.toContain(
      config.botToken,
    );
  });
});

describe("Telegram setup", () => {
  it("reports a plain-http webhook URL instead of registering it with Telegram", async () => {
    const calls: string[] = [];
    const report = await setup({
      config,
      webhookUrl: "http://localhost:3000/webhooks/ch_1",
      fetch: answering(200, { ok: true, result: true }, calls),
    });
    expect(report.ok).toBe(false);
    expect(report.message).toContain("TERN_PUBLIC_URL");
    expect(calls).toEqual([]);
  });

  it("reports Telegram's refusal and a network failure without the bot token", async () => {
    const refused = await setup({
      config,
      webhookUrl: "https://tern.example/webhooks/ch_1",
      fetch: answering(400, {
        ok: false,
        error_code: 400,
        description: "Bad Request: bad webhook: Failed to resolve host",
      }),
    });
    expect(refused).toMatchObject({ ok: false, message: expect.stringContaining("Failed to resolve host") });
    const down = await setup({
      config,
      webhookUrl: "https://tern.example/webhooks/ch_1",
      fetch: async (url) => {
        throw new TypeError(`fetch failed: ${String(url)}`);
      },
    });
    expect(down.ok).toBe(false);
    expect(JSON.stringify(down)).not.toContain(config.botToken);
  });
});
