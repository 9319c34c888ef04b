import { describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { instagramSendApi } from "../instagram/index.js";
import { messengerSendApi } from "../messenger/index.js";
import { buildSendBodies, sendViaSendApi } from "./send-api.js";

const target = {
  url: "https://graph.facebook.com/v23.0/111/messages",
  accessToken: "EAAG-secret-page-token",
};

function answering(...answers: Array<{ status: number; body: unknown }>) {
  const calls: unknown[] = [];
  const fetch: FetchLike = async (_url, init) => {
    calls.push(JSON.parse(String(init?.body)));
    const next = answers.shift() ?? {
      status: 200,
      body: { recipient_id: "9", message_id: `m_${calls.length}` },
    };
    return new Response(JSON.stringify(next.body), { status: next.status });
  };
  return { fetch, calls };
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.catch((e: unknown) => e);
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe("Send API bodies", () => {
  it("sends numbered text instead of quick replies for more than 13 choices or a title over 20 characters", () => {
    const many = Array.from({ length: 14 }, (_, i) => ({ id: `c${i}`, title: `Option ${i}` }));
    const [tooMany] = buildSendBodies({ to: "9", text: "Pick", choices: many }, messengerSendApi);
    expect(tooMany?.message).toEqual({ text: expect.stringContaining("14. Option 13") });
    const [tooLong] = buildSendBodies(
      { to: "9", text: "Pick", choices: [{ id: "a", title: "A title that is far too long" }] },
      messengerSendApi,
    );
    expect(tooLong?.message).toEqual({ text: "Pick\n\n1. A title that is far too long" });
  });

  it("counts Instagram's limit in UTF-8 bytes and Messenger's in characters", () => {
    const cjk = "漢".repeat(400); // 400 characters, 1200 bytes
    expect(() => buildSendBodies({ to: "9", text: cjk }, messengerSendApi)).not.toThrow();
    expect(() => buildSendBodies({ to: "9", text: cjk }, instagramSendApi)).toThrow(
      /1200 bytes; Instagram allows 1000/,
    );
    expect(() => buildSendBodies({ to: "9", text: "x".repeat(2001) }, messengerSendApi)).toThrow(/2000/);
  });

  it("sends outside the window only with a message tag", () => {
    const [body] = buildSendBodies({ to: "9", text: "Update" }, messengerSendApi, { tag: "HUMAN_AGENT" });
    expect(body).toMatchObject({ messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" });
  });

  it("refuses a recipient that is not a scoped id before calling Meta", () => {
    expect(() => buildSendBodies({ to: "../../me", text: "x" }, messengerSendApi)).toThrow(
      /not a Messenger user id/,
    );
  });
});

describe("Send API calls", () => {
  it("sends media with text as the text, then the attachment carrying the quick replies", async () => {
    const { fetch, calls } = answering();
    const result = await sendViaSendApi(
      {
        to: "9",
        text: "Our menu",
        media: { kind: "image", url: "https://example.com/menu.png" },
        choices: [{ id: "yes", title: "Book" }],
      },
      messengerSendApi,
      target,
      { fetch },
    );
    expect(calls).toEqual([
      { recipient: { id: "9" }, messaging_type: "RESPONSE", message: { text: "Our menu" } },
      {
        recipient: { id: "9" },
        messaging_type: "RESPONSE",
        message: {
          attachment: { type: "image", payload: { url: "https://example.com/menu.png", is_reusable: false } },
          quick_replies: [{ content_type: "text", title: "Book", payload: "yes" }],
        },
      },
    ]);
    expect(result.providerMessageId).toBe("m_2");
  });

  it("does not retry a failed attachment after its text was delivered (the text would repeat)", async () => {
    const { fetch } = answering(
      { status: 200, body: { recipient_id: "9", message_id: "m_text" } },
      { status: 503, body: { error: { code: 2, message: "Service temporarily unavailable" } } },
    );
    const error = await failure(
      sendViaSendApi(
        { to: "9", text: "Menu", media: { kind: "image", url: "https://example.com/m.png" } },
        messengerSendApi,
        target,
        { fetch },
      ),
    );
    expect(error.retry).toBe("never");
    expect(error.message).toContain("m_text");
    expect(error.details).toMatchObject({ outcome: "partial" });
  });

  it("maps the window error (10 / 2018278) to a clear refusal that is not retried", async () => {
    const { fetch } = answering({
      status: 400,
      body: {
        error: {
          message: "(#10) This message is sent outside of allowed window.",
          code: 10,
          error_subcode: 2018278,
        },
      },
    });
    const error = await failure(sendViaSendApi({ to: "9", text: "Hi" }, messengerSendApi, target, { fetch }));
    expect(error.code).toBe("CHANNEL_SEND_FAILED");
    expect(error.retry).toBe("never");
    expect(error.message).toMatch(/more than 24 hours.*HUMAN_AGENT/);
    expect(error.details).toMatchObject({ graphCode: 10, graphSubcode: 2018278, undeliverable: true });
  });

  it("marks a person who is not available (551) or unknown (100 / 2018001) undeliverable; a bad parameter is not", async () => {
    const refusal = async (code: number, subcode?: number) => {
      const { fetch } = answering({
        status: 400,
        body: { error: { message: "x", code, ...(subcode !== undefined && { error_subcode: subcode }) } },
      });
      return failure(sendViaSendApi({ to: "9", text: "Hi" }, messengerSendApi, target, { fetch }));
    };
    expect((await refusal(551)).details?.undeliverable).toBe(true);
    expect((await refusal(100, 2018001)).details?.undeliverable).toBe(true);
    expect((await refusal(100)).details?.undeliverable).toBeUndefined();
    expect((await refusal(613)).details?.undeliverable).toBeUndefined();
  });

  it("retries Graph rate limits that come as HTTP 400 (code 613) after a minute", async () => {
    const { fetch } = answering({
      status: 400,
      body: { error: { message: "(#613) Calls to this API have exceeded the rate limit.", code: 613 } },
    });
    const error = await failure(sendViaSendApi({ to: "9", text: "Hi" }, messengerSendApi, target, { fetch }));
    expect(error.retry).toEqual({ afterMs: 60_000 });
  });

  it("never repeats the token, even when Meta's error message quotes it", async () => {
    const { fetch } = answering({
      status: 400,
      body: { error: { message: `Malformed access token ${target.accessToken}`, code: 190 } },
    });
    const error = await failure(sendViaSendApi({ to: "9", text: "Hi" }, messengerSendApi, target, { fetch }));
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain(target.accessToken);
    expect(error.message).toContain("invalid or expired");
  });
});
