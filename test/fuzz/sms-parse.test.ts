import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WebhookRequest } from "../../src/channels/channel.js";
import { twilioChannel } from "../../src/channels/twilio/index.js";
import { vonageChannel } from "../../src/channels/vonage/index.js";
import { isAppError } from "../../src/core/app-error.js";
import { fuzzRuns, hostileBody, hostileKey, malformedPercent, mutatedJson } from "../helpers/fuzz.js";

/**
 * The Twilio and Vonage parsers and verifiers read what a stranger sent: form bodies, JSON and
 * query strings. Whatever arrives, verify throws only CHANNEL_SIGNATURE_INVALID and parse returns
 * events or throws CHANNEL_PAYLOAD_INVALID — anything else would be a 500 and a redelivery.
 */
const twilioConfig = twilioChannel.config.parse({
  accountSid: `AC${"a".repeat(32)}`,
  authToken: "token",
  from: "+14155550199",
});
const vonageConfig = vonageChannel.config.parse({
  apiKey: "abcd1234",
  apiSecret: "s",
  signatureSecret: "secret",
  from: "447700900000",
});

function request(rawBody: Buffer, extra: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    method: "POST",
    headers: { "x-twilio-signature": "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" },
    query: {},
    url: "https://tern.example/webhooks/ch_1",
    rawBody,
    ...extra,
  };
}

function onlyCodes(work: () => unknown, codes: string[]): void {
  try {
    expect(work()).toBeTypeOf("object");
  } catch (error) {
    if (isAppError(error) && codes.includes(error.code)) return;
    throw error;
  }
}

/** Form text built from Twilio/Vonage field names, hostile names and values, bad percent-encoding. */
const formish = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          "MessageSid",
          "AccountSid",
          "From",
          "Body",
          "MessageStatus",
          "NumMedia",
          "MediaUrl0",
          "Latitude",
        ),
        fc.constantFrom(
          "messageId",
          "msisdn",
          "text",
          "status",
          "err-code",
          "sig",
          "message-timestamp",
          "type",
        ),
        hostileKey,
      ),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        malformedPercent,
        fc.constantFrom("1", "received", "failed", "+1", "0.5e999"),
      ),
    ),
    { maxLength: 12 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&"));

describe("fuzz: SMS webhooks never end in another exception than a 4xx", () => {
  it("Twilio: arbitrary bytes and form-ish text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileBody,
          formish.map((t) => Buffer.from(t)),
        ),
        (body) => {
          onlyCodes(() => twilioChannel.verify(request(body), twilioConfig), ["CHANNEL_SIGNATURE_INVALID"]);
          onlyCodes(() => twilioChannel.parse(request(body), twilioConfig), ["CHANNEL_PAYLOAD_INVALID"]);
        },
      ),
      fuzzRuns(400),
    );
  });

  it("Vonage: arbitrary bytes, form-ish text, mutated JSON and GET queries", () => {
    const inbound = {
      msisdn: "447700900001",
      to: "447700900000",
      messageId: "0A1",
      text: "Hi",
      type: "text",
    };
    const bodies = fc.oneof(
      hostileBody,
      formish.map((t) => Buffer.from(t)),
      mutatedJson(inbound).map((t) => Buffer.from(t)),
    );
    fc.assert(
      fc.property(
        bodies,
        fc.constantFrom("application/json", "application/x-www-form-urlencoded", ""),
        (body, ct) => {
          const req = request(body, { headers: { "content-type": ct } });
          onlyCodes(() => vonageChannel.verify(req, vonageConfig), ["CHANNEL_SIGNATURE_INVALID"]);
          onlyCodes(() => vonageChannel.parse(req, vonageConfig), ["CHANNEL_PAYLOAD_INVALID"]);
        },
      ),
      fuzzRuns(400),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.oneof(hostileKey, fc.constantFrom("sig", "messageId", "msisdn")), fc.string()),
        (query) => {
          const req = request(Buffer.alloc(0), { method: "GET", query });
          onlyCodes(() => vonageChannel.verify(req, vonageConfig), ["CHANNEL_SIGNATURE_INVALID"]);
          onlyCodes(() => vonageChannel.parse(req, vonageConfig), ["CHANNEL_PAYLOAD_INVALID"]);
        },
      ),
      fuzzRuns(200),
    );
  });
});
