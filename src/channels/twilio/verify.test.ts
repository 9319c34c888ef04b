import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { allEvents, type WebhookRequest } from "../channel.js";
import { readForm } from "../form-body.js";
import { twilioChannel } from "./index.js";
import { twilioSignature, urlCandidates } from "./verify.js";

const accountSid = `AC${"b".repeat(32)}`;
const config = twilioChannel.config.parse({ accountSid, authToken: "token-123", from: "+14155550199" });
const url = "https://tern.example/webhooks/ch_1";

function request(
  body: string,
  options: { url?: string; signedUrl?: string; token?: string } = {},
): WebhookRequest {
  return {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": twilioSignature(
        options.token ?? "token-123",
        options.signedUrl ?? url,
        readForm(body),
      ),
    },
    query: {},
    url: options.url ?? url,
    rawBody: Buffer.from(body),
  };
}

const message = `MessageSid=SM${"1".repeat(32)}&AccountSid=${accountSid}&From=%2B14155550100&To=%2B14155550199&Body=Hi`;

describe("Twilio signature", () => {
  it("signs a repeated parameter with each distinct value, sorted, as twilio-node does", () => {
    const body = "To=%2B1&MediaUrl=b&AccountSid=AC&MediaUrl=a&MediaUrl=b";
    // Written out by hand: URL, then names sorted, a repeated name once per distinct sorted value.
    const data = `${url}AccountSidACMediaUrlaMediaUrlbTo+1`;
    expect(twilioSignature("token-123", url, readForm(body))).toBe(
      createHmac("sha1", "token-123").update(data).digest("base64"),
    );
    expect(() => twilioChannel.verify(request(body), config)).not.toThrow();
  });

  it("reads bad percent-encoding without throwing, and then the signature decides", () => {
    const body = `${message}&Body=%E0%A4%A&%ZZ=1`;
    expect(() => twilioChannel.verify(request(body), config)).not.toThrow();
    expect(allEvents(twilioChannel.parse(request(body), config))).toHaveLength(1);
    const forged = { ...request(message), rawBody: Buffer.from(body) };
    expect(() => twilioChannel.verify(forged, config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
  });

  it("rejects a signature made with another account's Auth Token", () => {
    expect(() => twilioChannel.verify(request(message, { token: "other" }), config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
  });

  it("behind a proxy, verifies against publicUrl (the URL as configured in Twilio), not the URL Tern saw", () => {
    const publicUrl = "https://sms.example.com/hooks/twilio?x=1";
    const proxied = request(message, { url: "http://10.0.0.5:3000/webhooks/ch_1", signedUrl: publicUrl });
    expect(() => twilioChannel.verify(proxied, config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
    expect(() => twilioChannel.verify(proxied, { ...config, publicUrl })).not.toThrow();
  });

  it("a GET delivery: signed over the URL with its query string alone, behind a proxy over publicUrl with that query", () => {
    const signedGet = (signed: string, reached: string, publicUrl?: string) => {
      const req: WebhookRequest = {
        method: "GET",
        headers: { "x-twilio-signature": twilioSignature("token-123", signed, new Map()) },
        query: {},
        url: reached,
        rawBody: Buffer.alloc(0),
      };
      const settings = publicUrl ? { ...config, publicUrl } : config;
      return () => twilioChannel.verify(req, settings);
    };
    expect(signedGet(`${url}?${message}`, `${url}?${message}`)).not.toThrow();
    expect(
      allEvents(twilioChannel.parse({ ...request(""), method: "GET", url: `${url}?${message}` }, config)),
    ).toMatchObject([{ providerMessageId: `SM${"1".repeat(32)}`, content: { type: "text", text: "Hi" } }]);
    // Signed as a POST would be (URL, then the fields): not Twilio's GET signature.
    const asPost = twilioSignature("token-123", url, readForm(message));
    const req: WebhookRequest = {
      ...request(""),
      method: "GET",
      url: `${url}?${message}`,
      headers: { "x-twilio-signature": asPost },
    };
    expect(() => twilioChannel.verify(req, config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
    const inside = `http://10.0.0.5:3000/webhooks/ch_1?${message}`;
    expect(signedGet(`${url}?${message}`, inside, url)).not.toThrow();
    expect(signedGet(`${url}?${message}`, inside.replace("Body=Hi", "Body=Ho"), url)).toThrow();
  });

  it("accepts the URL with the default port added or removed, as twilio-node does", () => {
    expect(urlCandidates("https://a.example/x?y=1")).toContain("https://a.example:443/x?y=1");
    expect(urlCandidates("https://a.example:443/x")).toContain("https://a.example/x");
    const withPort = request(message, { signedUrl: "https://tern.example:443/webhooks/ch_1" });
    expect(() => twilioChannel.verify(withPort, config)).not.toThrow();
  });

  it("refuses a malformed signature header without computing anything", () => {
    const req = { ...request(message), headers: { "x-twilio-signature": "not base64!" } };
    expect(() => twilioChannel.verify(req, config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
  });
});

describe("Twilio parsing", () => {
  it("keeps the whatsapp: prefix in the address and the phone without it", () => {
    const body = message.replace("From=%2B14155550100", "From=whatsapp%3A%2B14155550100");
    expect(allEvents(twilioChannel.parse(request(body), config))).toMatchObject([
      { from: "whatsapp:+14155550100", phone: "+14155550100" },
    ]);
  });

  it("a message without From is rejected alone; a body without AccountSid is not Twilio's", () => {
    const parsed = twilioChannel.parse(request(message.replace("&From=%2B14155550100", "")), config);
    expect(allEvents(parsed)).toEqual([]);
    expect(parsed.batches[0]?.rejected[0]?.reason).toMatch(/From/);
    expect(() => twilioChannel.parse(request("Body=Hi&From=%2B1"), config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_PAYLOAD_INVALID" }),
    );
  });

  it("a WhatsApp quick-reply button is a choice", () => {
    const body = `${message}&ButtonPayload=sales&ButtonText=Sales`;
    expect(allEvents(twilioChannel.parse(request(body), config))).toMatchObject([
      { content: { type: "choice", id: "sales", title: "Sales" } },
    ]);
  });

  it("maps failed without an ErrorCode to failed with the status as its code", () => {
    const body = `MessageSid=SM${"2".repeat(32)}&AccountSid=${accountSid}&MessageStatus=failed&To=%2B14155550100`;
    expect(allEvents(twilioChannel.parse(request(body), config))).toMatchObject([
      { kind: "status", status: "failed", errors: [{ code: "failed" }] },
    ]);
  });
});
