import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allEvents } from "../channel.js";
import { lineChannel } from "./index.js";
import { computeLineSignature } from "./verify.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url));
const config = lineChannel.config.parse({ channelSecret: "s", channelAccessToken: "t" });
const request = (body: Buffer | string) => ({
  method: "POST" as const,
  headers: { "x-line-signature": computeLineSignature(body, "s") },
  query: {},
  url: "https://tern.example/webhooks/ch_1",
  rawBody: Buffer.from(body),
});
const events = (name: string) => allEvents(lineChannel.parse(request(fixture(name)), config));

describe("LINE webhook parsing", () => {
  it("a redelivery (isRedelivery: true) keeps the webhookEventId, the dedupe key", () => {
    expect(events("text-redelivery").map((e) => e.providerMessageId)).toEqual(
      events("text").map((e) => e.providerMessageId),
    );
  });

  it("answers a message in a group to the group, not privately to its author", () => {
    expect(events("group-text")).toMatchObject([{ from: "Ca56f94637c0123456789abcdef012345" }]);
  });

  it("ignores events in standby mode and follow events", () => {
    expect(events("standby")).toEqual([]);
    expect(events("follow")).toEqual([]);
  });

  it("reads stickers and files", () => {
    expect(events("sticker")).toMatchObject([
      { content: { type: "media", mediaType: "sticker", mediaId: "11537/52002738" } },
    ]);
    expect(events("file")).toMatchObject([
      { content: { type: "media", mediaType: "document", caption: "file.txt", text: "file.txt" } },
    ]);
  });

  it("an event without a source id is rejected alone; a body without events is not LINE's", () => {
    const body = JSON.stringify({
      destination: "U0",
      events: [
        {
          type: "message",
          timestamp: 1,
          webhookEventId: "01A",
          source: { type: "user" },
          message: { id: "1", type: "text", text: "x" },
        },
      ],
    });
    const parsed = lineChannel.parse(request(body), config);
    expect(allEvents(parsed)).toEqual([]);
    expect(parsed.batches[0]?.rejected[0]?.reason).toMatch(/source/);
    expect(() => lineChannel.parse(request('{"destination":"U0"}'), config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_PAYLOAD_INVALID" }),
    );
  });

  it("rejects a signature made with another channel secret", () => {
    const req = {
      ...request(fixture("text")),
      headers: { "x-line-signature": computeLineSignature(fixture("text"), "other") },
    };
    expect(() => lineChannel.verify(req, config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
  });
});
