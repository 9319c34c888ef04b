import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allEvents, type WebhookRequest } from "../channel.js";
import { encryptMessage, wechatSignature } from "./crypto.js";
import { wechatChannel } from "./index.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.xml`, import.meta.url), "utf8");
const plain = wechatChannel.config.parse({ appId: "wxb11529c136998cb6", appSecret: "s", token: "pamtest" });
const safe = wechatChannel.config.parse({
  ...plain,
  encodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
});

function plainRequest(body: string, token = "pamtest"): WebhookRequest {
  const query = { signature: wechatSignature([token, "1", "2"]), timestamp: "1", nonce: "2", openid: "o" };
  return {
    method: "POST",
    headers: {},
    query,
    url: "https://tern.example/webhooks/ch_1",
    rawBody: Buffer.from(body),
  };
}

function safeRequest(xml: string, appId = "wxb11529c136998cb6"): WebhookRequest {
  const encrypted = encryptMessage(xml, appId, safe.encodingAESKey ?? "");
  const query = {
    timestamp: "1",
    nonce: "2",
    encrypt_type: "aes",
    msg_signature: wechatSignature(["pamtest", "1", "2", encrypted]),
  };
  const body = `<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
  return {
    method: "POST",
    headers: {},
    query,
    url: "https://tern.example/webhooks/ch_1",
    rawBody: Buffer.from(body),
  };
}

const events = (req: WebhookRequest, config = plain) => {
  wechatChannel.verify(req, config);
  return allEvents(wechatChannel.parse(req, config));
};

describe("WeChat callback parsing", () => {
  it("reads text, voice (with recognition), location and link", () => {
    expect(events(plainRequest(fixture("text")))).toMatchObject([
      { providerMessageId: "1234567890123456", content: { text: "this is a test" } },
    ]);
    expect(events(plainRequest(fixture("voice")))).toMatchObject([
      { content: { type: "media", mediaType: "audio", mediaId: "media_id", text: "腾讯微信团队" } },
    ]);
    expect(events(plainRequest(fixture("location")))).toMatchObject([
      { content: { latitude: 23.134521, longitude: 113.358803 } },
    ]);
    expect(events(plainRequest(fixture("link")))).toMatchObject([
      { content: { type: "unsupported", providerType: "link" } },
    ]);
  });

  it("keeps a 64-bit MsgId exact and CDATA content verbatim", () => {
    expect(events(plainRequest(fixture("text-big-msgid")))).toMatchObject([
      { providerMessageId: "6054768590064713728", content: { text: "  spaces & <tags> kept  " } },
    ]);
  });

  it("a message without MsgId is a rejected item, not an error", () => {
    const parsed = wechatChannel.parse(plainRequest(fixture("missing-msgid")), plain);
    expect(allEvents(parsed)).toEqual([]);
    expect(parsed.batches[0]?.rejected[0]?.reason).toMatch(/MsgId/);
  });

  it("decrypts safe-mode callbacks and refuses one encrypted for another AppID", () => {
    expect(events(safeRequest(fixture("text")), safe)).toMatchObject([
      { content: { text: "this is a test" } },
    ]);
    const other = safeRequest(fixture("text"), "wx0000000000000000");
    expect(() => wechatChannel.parse(other, safe)).toThrow(
      expect.objectContaining({ code: "CHANNEL_PAYLOAD_INVALID" }),
    );
  });

  it("refuses a DOCTYPE (XXE, billion laughs); decodes the predefined entities of text (XML 1.0 §4.6)", () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId></xml>`;
    expect(() => wechatChannel.parse(plainRequest(laughs), plain)).toThrow(
      expect.objectContaining({ code: "CHANNEL_PAYLOAD_INVALID" }),
    );
    const entity = `<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>a &amp; b &lt;</Content><MsgId>1</MsgId></xml>`;
    expect(events(plainRequest(entity))).toMatchObject([{ content: { text: "a & b <" } }]);
  });

  it("plain mode: the signature covers token, timestamp and nonce only — a wrong token is refused", () => {
    expect(() => events(plainRequest(fixture("text"), "another"))).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
  });

  it("safe mode without the channel's key, and plain mode on a safe channel, are refused with the fix", () => {
    expect(() => wechatChannel.verify(safeRequest(fixture("text")), plain)).toThrow(/encodingAESKey/);
    expect(() => wechatChannel.verify(plainRequest(fixture("text")), safe)).toThrow(/safe mode/);
  });
});
