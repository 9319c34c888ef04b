import { describe, expect, it } from "vitest";
import { allEvents, type WebhookRequest } from "../channel.js";
import { VonageSignatureMethod } from "./config.js";
import { vonageChannel } from "./index.js";
import { signingString, vonageSignature } from "./signature.js";

const base = {
  apiKey: "abcd1234",
  apiSecret: "api-secret",
  signatureSecret: "my_secret_key_for_testing",
  from: "447700900000",
};
const inbound = {
  msisdn: "447700900001",
  to: "447700900000",
  messageId: "0A0000000123ABCD1",
  text: "a=b & c",
  type: "text",
  keyword: "A=B",
  "api-key": "abcd1234",
  "message-timestamp": "2020-01-01 12:00:00",
  timestamp: "1578787200",
  nonce: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
};

function post(params: Record<string, string>, as: "json" | "form"): WebhookRequest {
  return {
    method: "POST",
    headers: { "content-type": as === "json" ? "application/json" : "application/x-www-form-urlencoded" },
    query: {},
    url: "https://tern.example/webhooks/ch_1",
    rawBody: Buffer.from(as === "json" ? JSON.stringify(params) : new URLSearchParams(params).toString()),
  };
}

function get(params: Record<string, string>): WebhookRequest {
  return {
    method: "GET",
    headers: {},
    query: params,
    url: `https://tern.example/webhooks/ch_1?${new URLSearchParams(params)}`,
    rawBody: Buffer.alloc(0),
  };
}

const signed = (method: VonageSignatureMethod, upper = false) => {
  const sig = vonageSignature(inbound, base.signatureSecret, method);
  return { ...inbound, sig: upper ? sig.toUpperCase() : sig };
};
const refused = expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" });

describe("Vonage signed webhooks", () => {
  it("replaces & and = inside values with _ and sorts by name", () => {
    expect(signingString({ b: "x=y", a: "1&2", sig: "ignored" })).toBe("&a=1_2&b=x_y");
  });

  it.each(VonageSignatureMethod.options)(
    "verifies %s over GET, POST form and POST-JSON, in either case of hex",
    (method) => {
      const config = vonageChannel.config.parse({ ...base, signatureMethod: method });
      for (const params of [signed(method), signed(method, true)]) {
        for (const req of [get(params), post(params, "form"), post(params, "json")]) {
          expect(() => vonageChannel.verify(req, config)).not.toThrow();
          expect(allEvents(vonageChannel.parse(req, config))).toMatchObject([
            { providerMessageId: "0A0000000123ABCD1", from: "447700900001", content: { text: "a=b & c" } },
          ]);
        }
      }
    },
  );

  it("without signatureMethod, tells the method from the signature's length", () => {
    const config = vonageChannel.config.parse(base);
    for (const method of VonageSignatureMethod.options) {
      expect(() => vonageChannel.verify(post(signed(method), "json"), config)).not.toThrow();
    }
  });

  it("refuses a signature of another method than the configured one, and an unsigned request", () => {
    const config = vonageChannel.config.parse({ ...base, signatureMethod: "sha256" });
    expect(() => vonageChannel.verify(post(signed("sha512"), "json"), config)).toThrow(refused);
    expect(() => vonageChannel.verify(post(inbound, "json"), config)).toThrow(refused);
    expect(() => vonageChannel.verify(post({ ...inbound, sig: "" }, "form"), config)).toThrow(refused);
    expect(() => vonageChannel.verify(post({ ...inbound, sig: "zz" }, "form"), config)).toThrow(refused);
  });

  it("refuses a changed parameter and an added one", () => {
    const config = vonageChannel.config.parse({ ...base, signatureMethod: "sha256" });
    expect(() =>
      vonageChannel.verify(post({ ...signed("sha256"), text: "a=b & d" }, "json"), config),
    ).toThrow(refused);
    expect(() => vonageChannel.verify(post({ ...signed("sha256"), extra: "1" }, "json"), config)).toThrow(
      refused,
    );
  });

  it("a body that is neither JSON nor a form is refused, not thrown", () => {
    const config = vonageChannel.config.parse(base);
    const req = { ...post(inbound, "json"), rawBody: Buffer.from('{"msisdn": [') };
    expect(() => vonageChannel.verify(req, config)).toThrow(refused);
    expect(() => vonageChannel.parse(req, config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_PAYLOAD_INVALID" }),
    );
  });
});

describe("Vonage parsing", () => {
  const config = vonageChannel.config.parse(base);
  it("an inbound message without msisdn is rejected alone", () => {
    const { msisdn: _m, ...withoutSender } = inbound;
    const parsed = vonageChannel.parse(post(withoutSender, "json"), config);
    expect(allEvents(parsed)).toEqual([]);
    expect(parsed.batches[0]?.rejected[0]?.reason).toMatch(/msisdn/);
  });

  it("maps receipt statuses: accepted → sent, expired → failed with err-code, unknown → nothing", () => {
    const receipt = {
      messageId: "0A0000001234567B",
      msisdn: "447700900001",
      to: "Acme",
      "client-ref": "run_1:a:1",
    };
    const parse = (status: string, errCode: string) =>
      allEvents(vonageChannel.parse(post({ ...receipt, status, "err-code": errCode }, "json"), config));
    expect(parse("accepted", "0")).toMatchObject([{ status: "sent", correlationId: "run_1:a:1" }]);
    expect(parse("expired", "5")).toMatchObject([{ status: "failed", errors: [{ code: 5 }] }]);
    expect(parse("unknown", "1")).toEqual([]);
  });

  it("reads a part of a long SMS (concat-ref, concat-part of concat-total); nonsense numbers make a whole message", () => {
    const part = (fields: Record<string, string>) =>
      allEvents(vonageChannel.parse(post({ ...inbound, concat: "true", ...fields }, "json"), config))[0];
    expect(part({ "concat-ref": "108", "concat-part": "2", "concat-total": "3" })).toMatchObject({
      part: { ref: "108", index: 2, count: 3 },
    });
    for (const bad of [
      { "concat-ref": "108", "concat-part": "4", "concat-total": "3" } as Record<string, string>,
      { "concat-ref": "108", "concat-part": "0", "concat-total": "3" },
      { "concat-ref": "108", "concat-part": "1", "concat-total": "1" },
      { "concat-ref": "108", "concat-part": "1.5", "concat-total": "3" },
      { "concat-ref": "", "concat-part": "1", "concat-total": "3" },
      { "concat-part": "1", "concat-total": "3" },
    ])
      expect(part(bad)).not.toHaveProperty("part");
    expect(allEvents(vonageChannel.parse(post(inbound, "json"), config))[0]).not.toHaveProperty("part");
  });

  it("reads message-timestamp as UTC", () => {
    expect(allEvents(vonageChannel.parse(post(inbound, "json"), config))).toMatchObject([
      { timestamp: Date.UTC(2020, 0, 1, 12, 0, 0) },
    ]);
  });
});

describe("a Messages API webhook on the SMS API channel", () => {
  it("is refused with the fix (choose the SMS API), not with advice to ask for signed webhooks", () => {
    // Shape of a Messages API inbound SMS: https://developer.vonage.com/en/api/messages#inbound-message
    const body = {
      channel: "sms",
      message_uuid: "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab",
      to: "447700900000",
      from: "447700900001",
      timestamp: "2025-02-03T12:14:25Z",
      text: "Hello",
      message_type: "text",
    };
    const req: WebhookRequest = {
      ...post(body as unknown as Record<string, string>, "json"),
      headers: { "content-type": "application/json", authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig" },
    };
    const config = vonageChannel.config.parse(base);
    expect(() => vonageChannel.verify?.(req, config)).toThrow(/Messages API webhook.*choose the SMS API/);
  });
});
