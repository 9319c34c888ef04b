import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { requestFor } from "../../../test/helpers/channel-contract.js";
import { allEvents } from "../channel.js";
import { viberChannel } from "./index.js";
import { parseJsonLossless } from "./lossless.js";
import { parse } from "./parse.js";
import { computeSignature, verify } from "./verify.js";

const req = (body: string) => requestFor(Buffer.from(body));
const token = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";
const config = { authToken: token, senderName: "Acme", apiBaseUrl: "https://chatapi.viber.com" };

describe("Viber lossless JSON", () => {
  it("keeps integers beyond 2^53 as their exact digits and leaves other numbers alone", () => {
    expect(
      parseJsonLossless(
        '{"a":5491478493491459001,"b":9007199254740991,"c":1.5,"d":-3,"e":[18446744073709551615]}',
      ),
    ).toEqual({
      a: "5491478493491459001",
      b: 9007199254740991,
      c: 1.5,
      d: -3,
      e: ["18446744073709551615"],
    });
    expect(() => parseJsonLossless("{")).toThrow();
  });
});

describe("Viber parse", () => {
  it("names what a body that is not an object is, a number beyond 2^53 included", () => {
    const message = (body: string) => {
      try {
        parse(req(body));
      } catch (error) {
        return (error as Error).message;
      }
      return "parsed";
    };
    expect(message("12345678901234567890")).toMatch(/the body is a number, not an object/);
    expect(message("42")).toMatch(/the body is a number, not an object/);
    expect(message('"event"')).toMatch(/the body is a string, not an object/);
    expect(message("[]")).toMatch(/the body is an array, not an object/);
    expect(message("null")).toMatch(/the body is null, not an object/);
  });

  it("reads a shared contact card as its number in text, never as the sender's phone (it may be anyone's)", () => {
    const body = readFileSync(new URL("./fixtures/contact.json", import.meta.url), "utf8");
    const [event] = allEvents(parse(req(body)));
    expect(event).toMatchObject({ kind: "message", content: { type: "text", text: "+972501234567" } });
    expect(event).not.toHaveProperty("phone");
  });

  it("gives two neighbouring int64 tokens two ids (a lossy parse gives both 5491478493491459000)", () => {
    const body = (t: string) =>
      `{"event":"message","timestamp":1,"message_token":${t},"sender":{"id":"u1"},"message":{"type":"text","text":"hi"}}`;
    const ids = ["5491478493491459001", "5491478493491459002"].map(
      (t) => allEvents(parse(req(body(t))))[0]?.providerMessageId,
    );
    expect(ids).toEqual(["5491478493491459001", "5491478493491459002"]);
  });

  it("acknowledges the callback check and subscription events with no events", () => {
    for (const event of [
      "webhook",
      "subscribed",
      "unsubscribed",
      "conversation_started",
      "client_status",
      "constructor",
    ]) {
      expect(
        allEvents(parse(req(`{"event":"${event}","timestamp":1,"message_token":4912661846655238145}`))),
      ).toEqual([]);
    }
  });

  it("answers conversation_started 200 with an empty body: no welcome message, no events", () => {
    const body = readFileSync(new URL("./fixtures/conversation-started.json", import.meta.url));
    expect(allEvents(parse(requestFor(body)))).toEqual([]);
    expect(viberChannel.acknowledge?.(requestFor(body), config)).toEqual({ status: 200, body: "" });
  });

  it("maps seen to read and keeps the sent message's token exact", () => {
    const seen =
      '{"event":"seen","timestamp":1457764197627,"message_token":4912661846655238145,"user_id":"01234567890A="}';
    expect(allEvents(parse(req(seen)))).toEqual([
      {
        kind: "status",
        providerMessageId: "4912661846655238145",
        status: "read",
        timestamp: 1457764197627,
        recipient: "01234567890A=",
      },
    ]);
  });

  it("rejects a message without a sender as an item, without refusing the callback", () => {
    const parsed = parse(
      req(
        '{"event":"message","timestamp":1,"message_token":1,"message":{"type":"text","text":"secret words"}}',
      ),
    );
    expect(allEvents(parsed)).toEqual([]);
    expect(parsed.batches[0]?.rejected).toHaveLength(1);
    expect(parsed.batches[0]?.rejected[0]?.reason).not.toContain("secret words");
  });

  it("reads a tapped reply button as the text of its ActionBody, and unknown message types as unsupported", () => {
    const tap =
      '{"event":"message","timestamp":1,"message_token":2,"sender":{"id":"u1"},"message":{"type":"text","text":"support"}}';
    expect(allEvents(parse(req(tap)))[0]).toMatchObject({ content: { type: "text", text: "support" } });
    const rich =
      '{"event":"message","timestamp":1,"message_token":3,"sender":{"id":"u1"},"message":{"type":"rich_media"}}';
    expect(allEvents(parse(req(rich)))[0]).toMatchObject({
      content: { type: "unsupported", providerType: "rich_media" },
    });
  });
});

describe("Viber verify", () => {
  const body = Buffer.from('{"event":"webhook","timestamp":1,"message_token":1}');
  const signature = computeSignature(body, token);

  it("accepts the header in any case of hex, and the sig query parameter when the header is gone", () => {
    expect(() =>
      verify(requestFor(body, { headers: { "x-viber-content-signature": signature.toUpperCase() } }), config),
    ).not.toThrow();
    expect(() => verify(requestFor(body, { query: { sig: signature } }), config)).not.toThrow();
  });

  it("refuses a signature made with another token, a truncated one, and none", () => {
    const other = computeSignature(body, `${token}x`);
    for (const headers of [
      { "x-viber-content-signature": other },
      { "x-viber-content-signature": signature.slice(0, 63) },
      {},
    ]) {
      expect(() => verify(requestFor(body, { headers }), config)).toThrow(
        expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
      );
    }
  });
});
