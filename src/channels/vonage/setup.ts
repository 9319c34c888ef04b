import { z } from "zod";
import { isAppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { isLoopbackHost } from "../../core/secure-url.js";
import type { SetupReport } from "../channel.js";
import { callProvider, redact } from "../provider-http.js";
import { unreadableLookup } from "../setup-answer.js";
import type { VonageConfig } from "./config.js";

/**
 * Points the number's inbound SMS webhook (`moHttpUrl`) at Tern with the Numbers API: finds the
 * number's country in `GET /account/numbers?pattern=`, then `POST /number/update`. Vonage first
 * checks the URL with a GET (answered 200 by `handshake`). Delivery receipts go to the
 * account-level URL (Dashboard → API settings; send.ts sets no per-message `callback`), which Tern
 * does not change: it would move every number's receipts; the report says to paste it there.
 * https://developer.vonage.com/en/api/numbers#getOwnedNumbers, …#updateANumber
 */
export async function setup(input: {
  config: VonageConfig;
  webhookUrl: string;
  fetch: FetchLike;
}): Promise<SetupReport> {
  const { config, webhookUrl } = input;
  const msisdn = config.from.replace(/^\+/, "");
  const receipts = `Delivery receipts: paste ${webhookUrl} in the Dashboard → API settings → SMS settings → Delivery receipts webhook.`;
  if (!/^\d{7,15}$/.test(msisdn)) {
    return {
      ok: false,
      message: `${config.from} is a sender id, not a Vonage number: customers cannot answer it, so there is no inbound webhook to set. ${receipts}`,
    };
  }
  const isApiLocal = isLoopbackHost(new URL(config.apiBaseUrl).hostname);
  if (isLoopbackHost(new URL(webhookUrl).hostname) && !isApiLocal) {
    return {
      ok: false,
      message: `Vonage cannot reach ${webhookUrl}. Set TERN_PUBLIC_URL to Tern's public address, then run setup again (POST /api/v1/channels/:id/setup).`,
    };
  }
  const secrets = [config.apiSecret, config.signatureSecret];
  const base = config.apiBaseUrl.replace(/\/+$/, "");
  const auth = new URLSearchParams({ api_key: config.apiKey, api_secret: config.apiSecret });
  try {
    const owned = await callProvider({
      purpose: "setup",
      provider: "Vonage",
      fetch: input.fetch,
      url: `${base}/account/numbers?${auth}&${new URLSearchParams({ pattern: msisdn, search_pattern: "0" })}`,
      init: { method: "GET", headers: { accept: "application/json" } },
      secrets,
    });
    if (owned.status !== 200) return refused("list the account's numbers", owned.status, owned.text, secrets);
    if (!isNumberList(owned.json)) return unreadableLookup("Vonage", "the number lookup", owned);
    const country = countryOf(owned.json, msisdn);
    if (!country) {
      return {
        ok: false,
        message: `The number ${msisdn} is not among this account's numbers (Dashboard → Numbers → Your numbers). Check from and apiKey.`,
      };
    }
    const updated = await callProvider({
      purpose: "setup",
      provider: "Vonage",
      fetch: input.fetch,
      url: `${base}/number/update?${auth}`,
      init: {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ country, msisdn, moHttpUrl: webhookUrl }).toString(),
      },
      secrets,
    });
    const code = errorCode(updated.json);
    if (updated.status !== 200 || (code !== undefined && code !== "200")) {
      return refused("update the number", updated.status, updated.text, secrets);
    }
    return {
      ok: true,
      message: `Vonage will post the SMS sent to ${msisdn} to ${webhookUrl}. ${receipts}`,
      details: { msisdn, country, moHttpUrl: webhookUrl },
    };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { ok: false, message: `Setting the number's webhook failed: ${error.message}` };
  }
}

/**
 * Vonage's answer: `{"count": n, "numbers": [...]}`; with no match Vonage sends `{"count": 0}`
 * without `numbers`, which is a readable "not there".
 */
const NumberList = z.object({
  count: z.union([z.number(), z.string().regex(/^\d+$/)]),
  numbers: z.unknown().optional(),
});

function isNumberList(json: unknown): json is z.infer<typeof NumberList> {
  return NumberList.safeParse(json).success;
}

function countryOf(json: z.infer<typeof NumberList>, msisdn: string): string | undefined {
  if (!Array.isArray(json.numbers)) return undefined;
  const found: unknown = json.numbers.find(
    (n: unknown) => n !== null && typeof n === "object" && "msisdn" in n && n.msisdn === msisdn,
  );
  return found && typeof found === "object" && "country" in found && typeof found.country === "string"
    ? found.country
    : undefined;
}

/** `/number/update` answers `{"error-code":"200","error-code-label":"success"}`. */
function errorCode(json: unknown): string | undefined {
  if (!json || typeof json !== "object" || !("error-code" in json)) return undefined;
  return String(json["error-code"]);
}

function refused(what: string, status: number, text: string, secrets: string[]): SetupReport {
  return {
    ok: false,
    message: redact(
      `Vonage refused to ${what} (HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ""}).${
        status === 401 ? " Check apiKey and apiSecret." : ""
      }`,
      secrets,
    ),
    details: { httpStatus: status },
  };
}
