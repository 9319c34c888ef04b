import { z } from "zod";
import { isAppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { isLoopbackHost } from "../../core/secure-url.js";
import type { SetupReport } from "../channel.js";
import { callProvider, type ProviderAnswer, redact } from "../provider-http.js";
import { unreadableLookup } from "../setup-answer.js";
import { isMessagingService, type TwilioConfig } from "./config.js";

/**
 * Points the number's "A message comes in" webhook at Tern: finds the number among the account's
 * IncomingPhoneNumbers (`?PhoneNumber=`) and sets `SmsUrl` (and `SmsMethod=POST`) on it.
 * https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
 * Only the configured number is changed. A Messaging Service or a WhatsApp sender is configured
 * elsewhere (Services → Integration; Senders): reported with what to paste.
 */
export async function setup(input: {
  config: TwilioConfig;
  webhookUrl: string;
  fetch: FetchLike;
}): Promise<SetupReport> {
  const { config } = input;
  const url = config.publicUrl ?? input.webhookUrl;
  if (isMessagingService(config.from)) {
    return {
      ok: false,
      message: `Tern does not change a Messaging Service: in the Twilio Console open Messaging → Services → ${config.from} → Integration, choose "Send a webhook" and paste ${url} as the request URL (and as the delivery status callback).`,
    };
  }
  if (config.from.startsWith("whatsapp:")) {
    return {
      ok: false,
      message: `Tern does not change WhatsApp senders: in the Twilio Console open Messaging → Senders → WhatsApp senders → ${config.from.slice(9)} and paste ${url} as the webhook URL for incoming messages.`,
    };
  }
  if (!config.from.startsWith("+")) {
    return {
      ok: false,
      message: `${config.from} is an alphanumeric sender id: customers cannot answer it, so there is no incoming webhook to set. Use a phone number to receive messages.`,
    };
  }
  const isApiLocal = isLoopbackHost(new URL(config.apiBaseUrl).hostname);
  if (isLoopbackHost(new URL(url).hostname) && !isApiLocal) {
    return {
      ok: false,
      message: `Twilio cannot reach ${url}. Set TERN_PUBLIC_URL to Tern's public address (or publicUrl to the URL Twilio should call), then run setup again (POST /api/v1/channels/:id/setup).`,
    };
  }
  // The Basic credential too: a proxy or gateway that echoes the request would show it.
  const basic = Buffer.from(`${config.accountSid}:${config.authToken}`).toString("base64");
  const secrets = [config.authToken, basic];
  const base = `${config.apiBaseUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${config.accountSid}/IncomingPhoneNumbers`;
  const headers = { authorization: `Basic ${basic}`, accept: "application/json" };
  try {
    const found = await callProvider({
      purpose: "setup",
      provider: "Twilio",
      fetch: input.fetch,
      url: `${base}.json?${new URLSearchParams({ PhoneNumber: config.from })}`,
      init: { method: "GET", headers },
      secrets,
    });
    if (found.status !== 200) return refused("look up", found, secrets);
    if (!isNumberList(found.json)) return unreadableLookup("Twilio", "the phone number lookup", found);
    const sid = numberSid(found.json);
    if (!sid) {
      return {
        ok: false,
        message: `The number ${config.from} is not among this account's phone numbers (Console → Phone Numbers → Active numbers). Check from and accountSid.`,
      };
    }
    const updated = await callProvider({
      purpose: "setup",
      provider: "Twilio",
      fetch: input.fetch,
      url: `${base}/${sid}.json`,
      init: {
        method: "POST",
        headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ SmsUrl: url, SmsMethod: "POST" }).toString(),
      },
      secrets,
    });
    if (updated.status !== 200) return refused("update", updated, secrets);
    return {
      ok: true,
      message: `Twilio will post the messages sent to ${config.from} to ${url}.`,
      details: { phoneNumberSid: sid, smsUrl: url },
    };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { ok: false, message: `Setting the number's webhook failed: ${error.message}` };
  }
}

/** Twilio's list page: `{"incoming_phone_numbers": [...], ...}`, empty when the number is not there. */
const NumberList = z.object({ incoming_phone_numbers: z.array(z.unknown()) });

function isNumberList(json: unknown): json is z.infer<typeof NumberList> {
  return NumberList.safeParse(json).success;
}

function numberSid(json: z.infer<typeof NumberList>): string | undefined {
  const first = z.object({ sid: z.string() }).safeParse(json.incoming_phone_numbers[0]);
  return first.success ? first.data.sid : undefined;
}

function refused(what: string, answer: ProviderAnswer, secrets: string[]): SetupReport {
  const body = answer.json && typeof answer.json === "object" ? (answer.json as Record<string, unknown>) : {};
  const detail = redact([body.code, body.message].filter((v) => v !== undefined).join(" "), secrets);
  return {
    ok: false,
    message: `Twilio refused to ${what} the phone number (HTTP ${answer.status}${detail ? `: ${detail}` : ""}).${
      answer.status === 401 ? " Check accountSid and authToken." : ""
    }`,
    details: {
      httpStatus: answer.status,
      ...(typeof body.code === "number" ? { providerCode: body.code } : {}),
    },
  };
}
