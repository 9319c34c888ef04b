import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChannelDefinition, WebhookRequest } from "../../src/channels/channel.js";
import { isAppError } from "../../src/core/app-error.js";
import { fixtures as instagram } from "../channels/fixtures/instagram.js";
import { fixtures as messenger } from "../channels/fixtures/messenger.js";
import { fuzzRuns, hostileBody, mutatedJson } from "../helpers/fuzz.js";

/**
 * The Messenger / Instagram parser reads what a stranger sent (after the signature). Whatever
 * the bytes, it returns batches or throws CHANNEL_PAYLOAD_INVALID: anything else would be a 500
 * and make Meta redeliver the same poison until it unsubscribes the app.
 */
function request(rawBody: Buffer): WebhookRequest {
  return { method: "POST", headers: {}, query: {}, url: "https://tern.example/webhooks/ch_1", rawBody };
}

for (const fx of [messenger, instagram]) {
  // biome-ignore lint/suspicious/noExplicitAny: each adapter has its own config type
  const def = fx.definition as ChannelDefinition<any>;
  const config = def.config.parse(fx.config);
  const parseOrReject = (rawBody: Buffer) => {
    try {
      expect(def.parse(request(rawBody), config)).toBeTypeOf("object");
    } catch (error) {
      if (isAppError(error) && error.code === "CHANNEL_PAYLOAD_INVALID") return;
      throw error;
    }
  };

  describe(`fuzz: the ${def.type} parser returns events or CHANNEL_PAYLOAD_INVALID, never another exception`, () => {
    it("for arbitrary bytes and JSON (300 generated inputs)", () => {
      fc.assert(
        fc.property(hostileBody, (body) => parseOrReject(body)),
        fuzzRuns(300),
      );
    });

    it("for mutated documented examples (40 generated inputs per example)", () => {
      for (const example of fx.examples) {
        fc.assert(
          fc.property(mutatedJson(JSON.parse(example.body) as unknown), (text) =>
            parseOrReject(Buffer.from(text)),
          ),
          fuzzRuns(40),
        );
      }
    });
  });
}
