import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WebhookRequest } from "../../src/channels/channel.js";
import { parse } from "../../src/channels/whatsapp/parse.js";
import { isAppError } from "../../src/core/app-error.js";
import { fuzzRuns, hostileBody, mutatedJson } from "../helpers/fuzz.js";

/**
 * The WhatsApp parser is the first code that reads what a stranger sent (after the signature).
 * Whatever the bytes, it returns events or throws CHANNEL_PAYLOAD_INVALID; anything else would
 * become a 500 and make Meta redeliver the same poison for days.
 */
const fixturesDir = new URL("../../src/channels/whatsapp/fixtures/", import.meta.url);
const fixtures = readdirSync(fixturesDir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(new URL(f, fixturesDir), "utf8")) as unknown);

function request(rawBody: Buffer): WebhookRequest {
  return { method: "POST", headers: {}, query: {}, url: "https://tern.example/webhooks/ch_1", rawBody };
}

/** Events, or the one expected error; any other exception fails the property. */
function parseOrReject(rawBody: Buffer): void {
  try {
    const result = parse(request(rawBody));
    // Whatever the parse contract grows (rejected items alongside events), it answers with data.
    expect(result).toBeTypeOf("object");
  } catch (error) {
    if (isAppError(error) && error.code === "CHANNEL_PAYLOAD_INVALID") return;
    throw error;
  }
}

describe("fuzz: the WhatsApp parser returns events or CHANNEL_PAYLOAD_INVALID, never another exception", () => {
  it("for arbitrary bytes and JSON (400 generated inputs)", () => {
    fc.assert(
      fc.property(hostileBody, (body) => parseOrReject(body)),
      fuzzRuns(400),
    );
  });

  it("for mutated valid payloads from every fixture (60 generated inputs per fixture)", () => {
    expect(fixtures.length).toBeGreaterThan(10);
    for (const fixture of fixtures) {
      fc.assert(
        fc.property(mutatedJson(fixture), (text) => parseOrReject(Buffer.from(text))),
        fuzzRuns(60),
      );
    }
  });

  it("for valid payloads whose every message and status field is retyped (300 generated inputs)", () => {
    // Deeper than one mutation: the items inside a batch, where the per-item code lives.
    const item = fc.dictionary(
      fc.constantFrom(
        "id",
        "from",
        "from_user_id",
        "timestamp",
        "type",
        "text",
        "interactive",
        "button",
        "location",
        "image",
        "context",
        "status",
        "recipient_id",
        "errors",
        "biz_opaque_callback_data",
      ),
      fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom("text", "image", "interactive", "button", "location", "sent", "failed"),
      ),
      { maxKeys: 8 },
    );
    const payload = fc.record({
      messages: fc.array(item, { maxLength: 3 }),
      statuses: fc.array(item, { maxLength: 3 }),
      contacts: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(payload, (value) => {
        const body = {
          object: "whatsapp_business_account",
          entry: [
            { id: "1", changes: [{ field: "messages", value: { messaging_product: "whatsapp", ...value } }] },
          ],
        };
        parseOrReject(Buffer.from(JSON.stringify(body)));
      }),
      fuzzRuns(300),
    );
  });
});
