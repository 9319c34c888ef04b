import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WebhookRequest } from "../../src/channels/channel.js";
import { parse as parseTelegram } from "../../src/channels/telegram/parse.js";
import { parse as parseViber } from "../../src/channels/viber/parse.js";
import { isAppError } from "../../src/core/app-error.js";
import { fuzzRuns, hostileBody, mutatedJson } from "../helpers/fuzz.js";

/**
 * The Telegram and Viber parsers read what a stranger sent (Telegram signs nothing; Viber's parse
 * runs a lossless JSON reader). Whatever the bytes, each returns events or throws
 * CHANNEL_PAYLOAD_INVALID; anything else would be a 500 and a redelivery of the same poison.
 */
const parsers = { telegram: parseTelegram, viber: parseViber } as const;

function fixtures(type: keyof typeof parsers): string[] {
  const dir = new URL(`../../src/channels/${type}/fixtures/`, import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => readFileSync(new URL(f, dir), "utf8"));
}

function request(rawBody: Buffer): WebhookRequest {
  return { method: "POST", headers: {}, query: {}, url: "https://tern.example/webhooks/ch_1", rawBody };
}

function parseOrReject(type: keyof typeof parsers, rawBody: Buffer): void {
  try {
    expect(parsers[type](request(rawBody))).toBeTypeOf("object");
  } catch (error) {
    if (isAppError(error) && error.code === "CHANNEL_PAYLOAD_INVALID") return;
    throw error;
  }
}

for (const type of ["telegram", "viber"] as const) {
  describe(`fuzz: the ${type} parser returns events or CHANNEL_PAYLOAD_INVALID, never another exception`, () => {
    it("for arbitrary bytes and JSON (300 generated inputs)", () => {
      fc.assert(
        fc.property(hostileBody, (body) => parseOrReject(type, body)),
        fuzzRuns(300),
      );
    });

    it("for mutated documented payloads (40 generated inputs per fixture)", () => {
      const all = fixtures(type);
      expect(all.length).toBeGreaterThan(5);
      for (const text of all) {
        // Viber's fixtures hold int64 tokens that JSON.parse rounds; mutations need only a shape.
        fc.assert(
          fc.property(mutatedJson(JSON.parse(text) as unknown), (mutated) =>
            parseOrReject(type, Buffer.from(mutated)),
          ),
          fuzzRuns(40),
        );
      }
    });
  });
}
