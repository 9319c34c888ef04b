import { describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import { allEvents, type WebhookRequest } from "../channel.js";
import { parseMessagingWebhook } from "./messaging-parse.js";

const page = { object: "page", name: "Messenger" } as const;
const instagram = { object: "instagram", name: "Instagram" } as const;

function req(body: unknown): WebhookRequest {
  return {
    method: "POST",
    headers: {},
    query: {},
    url: "https://tern.example/webhooks/ch_1",
    rawBody: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
  };
}

const event = (pageId: string, psid: string, extra: Record<string, unknown>) => ({
  sender: { id: psid },
  recipient: { id: pageId },
  timestamp: 1700000000000,
  ...extra,
});

describe("Messenger Platform webhook parsing", () => {
  it("returns one batch per entry, addressed to that entry's Page, so one app can serve many Pages", () => {
    const parsed = parseMessagingWebhook(
      req({
        object: "page",
        entry: [
          { id: "111", time: 1, messaging: [event("111", "9001", { message: { mid: "m_a", text: "a" } })] },
          { id: "222", time: 1, messaging: [event("222", "9002", { message: { mid: "m_b", text: "b" } })] },
        ],
      }),
      page,
    );
    expect(parsed.batches.map((b) => [b.account, b.events.map((e) => e.providerMessageId)])).toEqual([
      ["111", ["m_a"]],
      ["222", ["m_b"]],
    ]);
  });

  it("acknowledges another webhook object's delivery as one rejected item naming the fix, and reads none of it", () => {
    const body = {
      object: "instagram",
      entry: [{ id: "111", time: 1, messaging: [{ sender: { id: "9" } }] }],
    };
    const parsed = parseMessagingWebhook(req(body), page);
    expect(parsed.batches).toEqual([]);
    expect(parsed.rejected).toEqual([
      {
        path: "object",
        reason: expect.stringMatching(/"instagram".*only the Messenger subscription/),
        item: { object: "instagram" },
      },
    ]);
    expect(parseMessagingWebhook(req(body), instagram).batches).toHaveLength(1);
  });

  it("refuses a body that is not a Meta webhook envelope at all", () => {
    for (const body of [
      { object: "page" },
      { object: 7, entry: [] },
      { entry: [] },
      [{ object: "user", entry: [] }],
    ]) {
      let thrown: unknown;
      try {
        parseMessagingWebhook(req(body), page);
      } catch (error) {
        thrown = error;
      }
      expect(isAppError(thrown) && thrown.code).toBe("CHANNEL_PAYLOAD_INVALID");
    }
  });

  it("maps audio, video and file attachments to media, and keeps the text of a link share", () => {
    const parsed = parseMessagingWebhook(
      req({
        object: "page",
        entry: [
          {
            id: "111",
            messaging: [
              event("111", "9", {
                message: { mid: "m_1", attachments: [{ type: "file", payload: { url: "https://x/f.pdf" } }] },
              }),
              event("111", "9", {
                message: {
                  mid: "m_2",
                  attachments: [{ type: "audio", payload: { url: "https://x/a.mp4" } }],
                },
              }),
              event("111", "9", {
                message: {
                  mid: "m_3",
                  text: "look https://example.com",
                  attachments: [
                    { type: "fallback", payload: { url: "https://example.com", title: "Example" } },
                  ],
                },
              }),
              event("111", "9", { message: { mid: "m_4", attachments: [{ type: "fallback" }] } }),
              event("111", "9", {
                message: {
                  mid: "m_5",
                  attachments: [{ type: "constructor", payload: { url: "https://x" } }],
                },
              }),
            ],
          },
        ],
      }),
      page,
    );
    expect(allEvents(parsed).map((e) => e.kind === "message" && e.content)).toEqual([
      { type: "media", mediaType: "document", mediaId: "https://x/f.pdf", text: "" },
      { type: "media", mediaType: "audio", mediaId: "https://x/a.mp4", text: "" },
      { type: "text", text: "look https://example.com" },
      { type: "unsupported", providerType: "attachment.fallback", text: "" },
      { type: "unsupported", providerType: "attachment.constructor", text: "" },
    ]);
  });

  it("gives an old postback without a mid a dedupe key that a redelivery repeats", () => {
    const body = {
      object: "page",
      entry: [
        {
          id: "111",
          messaging: [event("111", "9", { postback: { title: "Start", payload: "GET_STARTED" } })],
        },
      ],
    };
    const first = allEvents(parseMessagingWebhook(req(body), page));
    const again = allEvents(parseMessagingWebhook(req(body), page));
    expect(first[0]?.providerMessageId).toBe("postback:9:1700000000000");
    expect(again[0]?.providerMessageId).toBe(first[0]?.providerMessageId);
  });

  it("reads Meta's documented delivery item, which has no timestamp: one delivered status per mid at the watermark", () => {
    // https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries
    const parsed = parseMessagingWebhook(
      req({
        object: "page",
        entry: [
          {
            id: "111",
            time: 1458668856451,
            messaging: [
              {
                sender: { id: "9" },
                recipient: { id: "111" },
                delivery: { mids: ["mid.1458668856218:ed81099e15d3f4f233"], watermark: 1458668856253 },
              },
            ],
          },
        ],
      }),
      page,
    );
    expect(parsed.batches[0]?.rejected).toEqual([]);
    expect(allEvents(parsed)).toEqual([
      {
        kind: "status",
        providerMessageId: "mid.1458668856218:ed81099e15d3f4f233",
        status: "delivered",
        timestamp: 1458668856253,
        recipient: "9",
      },
    ]);
  });

  it("refuses only a postback with neither mid nor timestamp: nothing a redelivery repeats to dedupe on", () => {
    const parsed = parseMessagingWebhook(
      req({
        object: "page",
        entry: [
          {
            id: "111",
            messaging: [
              { sender: { id: "9" }, recipient: { id: "111" }, postback: { payload: "GET_STARTED" } },
              { sender: { id: "9" }, recipient: { id: "111" }, message: { mid: "m_1", text: "hi" } },
            ],
          },
        ],
      }),
      page,
    );
    expect(parsed.batches[0]?.rejected).toHaveLength(1);
    expect(allEvents(parsed)).toMatchObject([{ kind: "message", providerMessageId: "m_1" }]);
  });

  it("reads a delivery without mids and a Messenger read as watermarks (everything sent before them)", () => {
    const parsed = parseMessagingWebhook(
      req({
        object: "page",
        entry: [
          {
            id: "111",
            messaging: [
              event("111", "9", { delivery: { watermark: 1700000000000 } }),
              event("111", "9", { read: { watermark: 1700000000500 } }),
            ],
          },
        ],
      }),
      page,
    );
    expect(allEvents(parsed)).toEqual([
      { kind: "watermark", status: "delivered", watermark: 1700000000000, recipient: "9" },
      { kind: "watermark", status: "read", watermark: 1700000000500, recipient: "9" },
    ]);
    expect(parsed.batches[0]?.rejected).toEqual([]);
  });

  it("ignores echoes even when Meta omits is_echo, and unsent Instagram messages", () => {
    const parsed = parseMessagingWebhook(
      req({
        object: "instagram",
        entry: [
          {
            id: "1784",
            messaging: [
              {
                sender: { id: "1784" },
                recipient: { id: "55" },
                timestamp: 1,
                message: { mid: "aWdf1", text: "ours" },
              },
              event("1784", "55", { message: { mid: "aWdf2", is_deleted: true } }),
            ],
          },
        ],
      }),
      instagram,
    );
    expect(allEvents(parsed)).toEqual([]);
  });

  it("rejects an event alone when its message does not parse, keeping its siblings", () => {
    const parsed = parseMessagingWebhook(
      req({
        object: "page",
        entry: [
          {
            id: "111",
            messaging: [
              event("111", "9", { message: { text: "no mid" } }),
              event("111", "9", { message: { mid: "m_ok", text: "fine" } }),
            ],
          },
          "not an entry",
        ],
      }),
      page,
    );
    expect(allEvents(parsed).map((e) => e.providerMessageId)).toEqual(["m_ok"]);
    expect(parsed.batches[0]?.rejected.map((r) => r.path)).toEqual(["entry[0].messaging[0].message"]);
    expect(parsed.rejected.map((r) => r.path)).toEqual(["entry[1]"]);
    // Reasons name paths and types, never the customer's words.
    expect(JSON.stringify(parsed.batches[0]?.rejected[0]?.reason)).not.toContain("no mid");
  });

  it("ignores event kinds Tern does not handle, even without a sender id (checkbox optin)", () => {
    const parsed = parseMessagingWebhook(
      req({
        object: "page",
        entry: [
          {
            id: "111",
            messaging: [
              { recipient: { id: "111" }, timestamp: 1, optin: { ref: "x", user_ref: "ur_1" } },
              event("111", "9", { referral: { ref: "ad", source: "ADS", type: "OPEN_THREAD" } }),
            ],
          },
        ],
      }),
      page,
    );
    expect(allEvents(parsed)).toEqual([]);
    expect(parsed.batches[0]?.rejected).toEqual([]);
  });

  it("reads a messaging event in the field reference's changes[] shape (the App Dashboard's Test button) as in messaging[]", () => {
    const parsed = parseMessagingWebhook(
      req({
        object: "instagram",
        entry: [
          {
            id: "17841400000000000",
            time: 1,
            changes: [
              {
                field: "messages",
                value: event("17841400000000000", "9001", { message: { mid: "m_changes", text: "hello" } }),
              },
              { field: "comments", value: { id: "c1", text: "nice", from: { id: "9002", username: "x" } } },
              { field: "messages", value: { message: { mid: "m_bad" } } },
            ],
          },
        ],
      }),
      instagram,
    );
    expect(allEvents(parsed)).toMatchObject([
      {
        kind: "message",
        providerMessageId: "m_changes",
        from: "9001",
        content: { type: "text", text: "hello" },
      },
    ]);
    // A messaging value without a sender is rejected alone; a comment is not Tern's.
    expect(parsed.batches[0]?.rejected.map((r) => r.path)).toEqual(["entry[0].changes[2].value"]);
  });

  it("reads entries of other fields (no messaging array) as empty batches, not errors", () => {
    const parsed = parseMessagingWebhook(
      req({ object: "page", entry: [{ id: "111", time: 1, changes: [{ field: "feed", value: {} }] }] }),
      page,
    );
    expect(allEvents(parsed)).toEqual([]);
    expect(parsed.rejected).toEqual([]);
  });
});
