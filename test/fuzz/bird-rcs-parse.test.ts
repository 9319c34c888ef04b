import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { birdChannel } from "../../src/channels/bird/index.js";
import type { WebhookRequest } from "../../src/channels/channel.js";
import { rcsChannel } from "../../src/channels/rcs/index.js";
import { isAppError } from "../../src/core/app-error.js";
import { fuzzRuns, hostileBody, mutatedJson } from "../helpers/fuzz.js";

/**
 * The Bird and RCS parsers (and RCS's verify, which reads the body to find the signed `data`) see
 * what a stranger sent. Whatever the bytes, parse returns events or throws CHANNEL_PAYLOAD_INVALID
 * and verify throws CHANNEL_SIGNATURE_INVALID: anything else would be a 500 and a redelivery.
 */
const fixtures = (type: string) => {
  const dir = new URL(`../../src/channels/${type}/fixtures/`, import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.startsWith("jwt"))
    .map((f) => JSON.parse(readFileSync(new URL(f, dir), "utf8")) as unknown);
};
const birdConfig = birdChannel.config.parse({
  workspaceId: "w",
  channelId: "c",
  accessKey: "a",
  signingKey: "s",
});
const rcsConfig = rcsChannel.config.parse({
  agentId: "agent",
  serviceAccountKey: {
    client_email: "a@b",
    private_key: generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString(),
  },
  clientToken: "TOKEN",
});

function request(rawBody: Buffer, headers: Record<string, string> = {}): WebhookRequest {
  return { method: "POST", headers, query: {}, url: "https://tern.example/webhooks/ch_1", rawBody };
}

function expectOnly(code: string, fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (isAppError(error) && error.code === code) return;
    throw error;
  }
}

/** An RCS envelope around the base64 of a (mutated) decoded payload. */
const envelope = (text: string) =>
  JSON.stringify({ message: { data: Buffer.from(text).toString("base64") } });

describe("fuzz: Bird and RCS parsers return events or CHANNEL_PAYLOAD_INVALID, never another exception", () => {
  it("Bird, arbitrary bytes and mutated fixtures", () => {
    fc.assert(
      fc.property(hostileBody, (body) => {
        expectOnly("CHANNEL_PAYLOAD_INVALID", () => birdChannel.parse(request(body), birdConfig));
        expectOnly("CHANNEL_SIGNATURE_INVALID", () =>
          birdChannel.verify(
            request(body, { "messagebird-signature-jwt": body.toString("latin1") }),
            birdConfig,
          ),
        );
      }),
      fuzzRuns(300),
    );
    for (const fixture of fixtures("bird")) {
      fc.assert(
        fc.property(mutatedJson(fixture), (text) =>
          expectOnly("CHANNEL_PAYLOAD_INVALID", () =>
            birdChannel.parse(request(Buffer.from(text)), birdConfig),
          ),
        ),
        fuzzRuns(100),
      );
    }
  });

  it("RCS, arbitrary bytes, and mutated payloads inside the envelope", () => {
    fc.assert(
      fc.property(hostileBody, (body) => {
        expectOnly("CHANNEL_PAYLOAD_INVALID", () => rcsChannel.parse(request(body), rcsConfig));
        expectOnly("CHANNEL_SIGNATURE_INVALID", () =>
          rcsChannel.verify(request(body, { "x-goog-signature": `${"A".repeat(86)}==` }), rcsConfig),
        );
        expect(rcsChannel.acknowledge?.(request(body), rcsConfig).status).toBe(200);
      }),
      fuzzRuns(300),
    );
    for (const fixture of fixtures("rcs")) {
      fc.assert(
        fc.property(mutatedJson(fixture), (text) =>
          expectOnly("CHANNEL_PAYLOAD_INVALID", () =>
            rcsChannel.parse(request(Buffer.from(envelope(text))), rcsConfig),
          ),
        ),
        fuzzRuns(100),
      );
    }
  });
});
