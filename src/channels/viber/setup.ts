import { isAppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { isLoopbackHost } from "../../core/secure-url.js";
import type { SetupReport } from "../channel.js";
import { callProvider, redact, TEARDOWN_TIMEOUT_MS } from "../provider-http.js";
import { apiUrl, type ViberConfig } from "./config.js";
import { adviceFor } from "./errors.js";
import { parseJsonLossless } from "./lossless.js";
import { ViberAnswer } from "./schema.js";

/** Optional events Tern asks for; `message`, `subscribed` and `unsubscribed` always come. */
export const EVENT_TYPES = [
  "delivered",
  "seen",
  "failed",
  "subscribed",
  "unsubscribed",
  "conversation_started",
] as const;

/**
 * `set_webhook`: Viber then POSTs a signed `{"event":"webhook"}` callback to the URL and answers
 * `status: 0` only if that callback got HTTP 200 — so Tern's webhook route must already answer
 * for this channel (it does: the channel is saved before setup runs). The URL must be https with
 * a CA-signed certificate; a plain-http URL is reported before calling, except against a loopback
 * API (the simulator). https://github.com/Viber/creators-hub docs/bots-api/getting-started/web-hooks.md
 */
export async function setup(input: {
  config: ViberConfig;
  webhookUrl: string;
  fetch: FetchLike;
}): Promise<SetupReport> {
  const { config, webhookUrl } = input;
  const secrets = [config.authToken];
  if (new URL(webhookUrl).protocol !== "https:" && !isLoopbackHost(new URL(config.apiBaseUrl).hostname)) {
    return {
      ok: false,
      message: `Viber only delivers to https URLs with a certificate from a trusted CA, and this channel's webhook URL is ${webhookUrl}. Set TERN_PUBLIC_URL to Tern's public https address, then run setup again (POST /api/v1/channels/:id/setup).`,
    };
  }
  // send_name: the customer's display name becomes contact.name; send_photo: Tern does not use avatars.
  const body = { url: webhookUrl, event_types: EVENT_TYPES, send_name: true, send_photo: false };
  try {
    const answer = await callProvider({
      purpose: "setup",
      provider: "Viber",
      fetch: input.fetch,
      url: apiUrl(config, "set_webhook"),
      init: {
        method: "POST",
        headers: { "x-viber-auth-token": config.authToken, "content-type": "application/json" },
        body: JSON.stringify(body),
      },
      secrets,
    });
    let json: unknown;
    try {
      json = parseJsonLossless(answer.text);
    } catch {
      json = undefined;
    }
    const parsed = ViberAnswer.safeParse(json);
    if (answer.status === 200 && parsed.success && parsed.data.status === 0) {
      return {
        ok: true,
        message: `Viber will post this bot's callbacks to ${webhookUrl}; its callback check was answered 200.`,
        details: { eventTypes: parsed.data.event_types ?? [...EVENT_TYPES] },
      };
    }
    if (!parsed.success) {
      return {
        ok: false,
        message: `Viber answered set_webhook with HTTP ${answer.status} and no readable status.`,
      };
    }
    const statusMessage = redact(parsed.data.status_message ?? "", secrets);
    return {
      ok: false,
      message: `Viber refused set_webhook: ${adviceFor(parsed.data.status).message} (status ${parsed.data.status}${statusMessage ? `: ${statusMessage}` : ""})`,
      details: { viberStatus: parsed.data.status },
    };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { ok: false, message: `set_webhook failed: ${error.message}` };
  }
}

/**
 * When the channel is deleted: `set_webhook` with an empty URL, Viber's documented way to remove
 * it, but only while the account's webhook (`get_account_info`) is still this channel's URL: the
 * same bot may since serve another channel. https://developers.viber.com/docs/api/rest-bot-api/#removing-your-webhook
 */
export async function teardown(input: {
  config: ViberConfig;
  webhookUrl: string;
  fetch: FetchLike;
}): Promise<SetupReport> {
  const { config, webhookUrl } = input;
  const call = async (method: "set_webhook" | "get_account_info", body: unknown) => {
    const answer = await callProvider({
      purpose: "setup",
      provider: "Viber",
      fetch: input.fetch,
      url: apiUrl(config, method),
      init: {
        method: "POST",
        headers: { "x-viber-auth-token": config.authToken, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TEARDOWN_TIMEOUT_MS),
      },
      secrets: [config.authToken],
    });
    let json: unknown;
    try {
      json = parseJsonLossless(answer.text);
    } catch {
      json = undefined;
    }
    return ViberAnswer.safeParse(json);
  };
  try {
    const account = await call("get_account_info", {});
    const registered = account.success && account.data.status === 0 ? account.data.webhook : undefined;
    if (typeof registered !== "string") {
      return {
        ok: false,
        message: "Viber did not say where the bot's webhook points (get_account_info); it was left as it is.",
      };
    }
    if (registered !== webhookUrl) {
      return {
        ok: true,
        // The other URL is not quoted: it is another system's and may carry a secret in its path.
        message: "The bot's webhook points elsewhere now, not to this channel: left as it is.",
      };
    }
    const removed = await call("set_webhook", { url: "" });
    if (removed.success && removed.data.status === 0)
      return { ok: true, message: "Viber no longer posts this bot's callbacks to Tern." };
    return {
      ok: false,
      message: `Viber refused to remove the webhook (status ${removed.success ? removed.data.status : "unreadable"}).`,
    };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { ok: false, message: `Removing the webhook at Viber failed: ${error.message}` };
  }
}
