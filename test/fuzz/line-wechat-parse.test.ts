import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WebhookRequest } from "../../src/channels/channel.js";
import { lineChannel } from "../../src/channels/line/index.js";
import { encryptMessage, wechatChannel } from "../../src/channels/wechat/index.js";
import { isAppError } from "../../src/core/app-error.js";
import { fuzzRuns, hostileBody, mutatedJson } from "../helpers/fuzz.js";

/**
 * The LINE and WeChat parsers read what a stranger sent (after the signature). Whatever the bytes,
 * they return events or throw CHANNEL_PAYLOAD_INVALID: anything else would be a 500 and a
 * redelivery of the same poison.
 */
const dir = (type: string) => new URL(`../../src/channels/${type}/fixtures/`, import.meta.url);
const lineFixtures = readdirSync(dir("line"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(new URL(f, dir("line")), "utf8")) as unknown);
const wechatFixtures = readdirSync(dir("wechat"))
  .filter((f) => f.endsWith(".xml"))
  .map((f) => readFileSync(new URL(f, dir("wechat")), "utf8"));

const lineConfig = lineChannel.config.parse({ channelSecret: "s", channelAccessToken: "t" });
const wechatConfig = wechatChannel.config.parse({
  appId: "wxb11529c136998cb6",
  appSecret: "s",
  token: "pamtest",
  encodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
});
const { encodingAESKey: _key, ...plainConfig } = wechatConfig;

function request(rawBody: Buffer, query: Record<string, string> = {}): WebhookRequest {
  return { method: "POST", headers: {}, query, url: "https://tern.example/webhooks/ch_1", rawBody };
}

function parseOrReject(parse: () => unknown): void {
  try {
    expect(parse()).toBeTypeOf("object");
  } catch (error) {
    if (isAppError(error) && error.code === "CHANNEL_PAYLOAD_INVALID") return;
    throw error;
  }
}

/** XML-ish text: fixture fragments, tags, CDATA, entities and noise. */
const xmlish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "<xml>",
        "</xml>",
        "<![CDATA[",
        "]]>",
        "<MsgId>",
        "</MsgId>",
        "<MsgType>",
        "&amp;",
        "&#x0;",
        "<!DOCTYPE x>",
        "<a>",
        "</a>",
      ),
      fc.constantFrom(...wechatFixtures.map((f) => f.slice(0, 120))),
      fc.string({ maxLength: 20 }),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(""));

describe("fuzz: LINE and WeChat parsers return events or CHANNEL_PAYLOAD_INVALID, never another exception", () => {
  it("LINE, arbitrary bytes and mutated fixtures", () => {
    fc.assert(
      fc.property(hostileBody, (body) => parseOrReject(() => lineChannel.parse(request(body), lineConfig))),
      fuzzRuns(300),
    );
    for (const fixture of lineFixtures) {
      fc.assert(
        fc.property(mutatedJson(fixture), (text) =>
          parseOrReject(() => lineChannel.parse(request(Buffer.from(text)), lineConfig)),
        ),
        fuzzRuns(40),
      );
    }
  });

  it("WeChat plain, arbitrary bytes and XML-ish text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileBody,
          xmlish.map((t) => Buffer.from(t)),
        ),
        (body) => parseOrReject(() => wechatChannel.parse(request(body), plainConfig)),
      ),
      fuzzRuns(400),
    );
  });

  it("WeChat safe mode, arbitrary Encrypt values and encrypted XML-ish text", () => {
    const envelope = (encrypted: string) =>
      Buffer.from(
        `<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
      );
    const encrypted = fc.oneof(
      fc.base64String({ maxLength: 200 }),
      fc.string({ maxLength: 80 }),
      xmlish.map((t) => encryptMessage(t, wechatConfig.appId, wechatConfig.encodingAESKey ?? "")),
    );
    fc.assert(
      fc.property(encrypted, (value) =>
        parseOrReject(() =>
          wechatChannel.parse(request(envelope(value), { encrypt_type: "aes" }), wechatConfig),
        ),
      ),
      fuzzRuns(300),
    );
  });
});
