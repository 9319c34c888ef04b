import { describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { ViberConfig } from "./config.js";
import { buildSendBody, send } from "./send.js";
import { setup } from "./setup.js";

const config = ViberConfig.parse({
  authToken: "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9",
  senderName: "Acme Support",
});
const answering =
  (text: string, calls: Array<{ url: string; body: string }> = []): FetchLike =>
  async (url, init) => {
    calls.push({ url: String(url), body: String(init?.body) });
    return new Response(text, { status: 200, headers: { "content-type": "application/json" } });
  };
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail("expected a failure"),
    (e: unknown) => e,
  );

describe("Viber send", () => {
  it("returns the answered int64 message_token exactly", async () => {
    const result = await send({ to: "u1", text: "hi" }, config, {
      fetch: answering(
        '{"status":0,"status_message":"ok","message_token":9223372036854775807,"chat_hostname":"SN-CHAT-01_"}',
      ),
    });
    expect(result.providerMessageId).toBe("9223372036854775807");
  });

  it("maps Viber's status codes (sent with HTTP 200) to retry hints", async () => {
    const cases: Array<[number, unknown]> = [
      [6, "never"],
      [2, "never"],
      [23, "never"],
      [12, { afterMs: 60_000 }],
      // Documented permanent refusals (errors.md): not repeated.
      [14, "never"],
      [15, "never"],
      [21, "never"],
      [22, "never"],
      [99, "default"],
    ];
    for (const [status, retry] of cases) {
      const error = await failure(
        send({ to: "u1", text: "hi" }, config, {
          fetch: answering(`{"status":${status},"status_message":"x"}`),
        }),
      );
      expect(isAppError(error) && [error.code, error.retry, error.details?.viberStatus]).toEqual([
        "CHANNEL_SEND_FAILED",
        retry,
        status,
      ]);
    }
  });

  it("marks 'not a Viber user' (5) and 'not subscribed' (6) undeliverable, so a fallback channel may send", async () => {
    for (const [status, undeliverable] of [
      [5, true],
      [6, true],
      [2, undefined],
      [12, undefined],
    ] as const) {
      const error = await failure(
        send({ to: "u1", text: "hi" }, config, {
          fetch: answering(`{"status":${status},"status_message":"x"}`),
        }),
      );
      expect(isAppError(error) && error.details?.undeliverable).toBe(undeliverable);
    }
  });

  it("refuses a request over 30 KB without calling Viber", async () => {
    const calls: Array<{ url: string; body: string }> = [];
    const error = await failure(
      send(
        {
          to: "u1",
          text: "😀".repeat(6900),
          choices: Array.from({ length: 20 }, (_, i) => ({
            id: `${i}`.padEnd(100, "x"),
            title: "y".repeat(100),
          })),
        },
        config,
        { fetch: answering("{}", calls) },
      ),
    );
    expect(isAppError(error) && [error.retry, error.message]).toEqual([
      "never",
      expect.stringContaining("30 KB"),
    ]);
    expect(calls).toEqual([]);
  });

  it("sends choices a keyboard cannot take (more than 24, an empty or overlong title) as numbered text", () => {
    const choices = Array.from({ length: 24 }, (_, i) => ({ id: `c${i + 1}`, title: `Option ${i + 1}` }));
    expect(buildSendBody({ to: "u1", text: "Pick", choices }, config)).toMatchObject({
      text: "Pick",
      keyboard: { Buttons: expect.any(Array) },
    });
    const more = [...choices, { id: "c25", title: "Option 25" }];
    const body = buildSendBody({ to: "u1", text: "Pick", choices: more }, config);
    expect(body.keyboard).toBeUndefined();
    expect(body.text).toBe(`Pick\n\n${more.map((c, i) => `${i + 1}. ${c.title}`).join("\n")}`);
    for (const title of ["", "x".repeat(251)]) {
      const odd = buildSendBody(
        {
          to: "u1",
          text: "Pick",
          choices: [
            { id: "a", title },
            { id: "b", title: "B" },
          ],
        },
        config,
      );
      expect([odd.text, odd.keyboard]).toEqual([`Pick\n\n1. ${title}\n2. B`, undefined]);
    }
  });

  it("refuses what Viber would refuse before calling it", () => {
    expect(() => buildSendBody({ to: "u1", text: "x".repeat(7001) }, config)).toThrow(/7000/);
    expect(() => buildSendBody({ to: "u1", text: " " }, config)).toThrow(/empty/);
    expect(() =>
      buildSendBody(
        { to: "u1", text: "doc", media: { kind: "document", url: "https://e.example/a.pdf" } },
        config,
      ),
    ).toThrow(/images only/);
    expect(
      buildSendBody(
        { to: "u1", text: "Our shop", media: { kind: "image", url: "https://e.example/a.jpg" } },
        config,
      ),
    ).toMatchObject({
      type: "picture",
      text: "Our shop",
      media: "https://e.example/a.jpg",
    });
  });
});

describe("Viber setup", () => {
  it("calls set_webhook with the token header and reports a failed callback check with its fix", async () => {
    const calls: Array<{ url: string; body: string }> = [];
    const report = await setup({
      config,
      webhookUrl: "https://tern.example/webhooks/ch_1",
      fetch: answering('{"status":1,"status_message":"invalidUrl"}', calls),
    });
    expect(calls[0]?.url).toBe("https://chatapi.viber.com/pa/set_webhook");
    expect(JSON.parse(calls[0]?.body ?? "{}")).toMatchObject({
      url: "https://tern.example/webhooks/ch_1",
      send_name: true,
    });
    expect(report).toMatchObject({ ok: false, details: { viberStatus: 1 } });
    expect(report.message).toContain("callback check");
  });

  it("reports a plain-http webhook URL without calling Viber", async () => {
    const calls: Array<{ url: string; body: string }> = [];
    const report = await setup({
      config,
      webhookUrl: "http://localhost:3000/webhooks/ch_1",
      fetch: answering("{}", calls),
    });
    expect(report.ok).toBe(false);
    expect(calls).toEqual([]);
  });
});
