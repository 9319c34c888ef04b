import { isAppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { isLoopbackHost } from "../../core/secure-url.js";
import type { SetupReport } from "../channel.js";
import { callProvider, redact, TEARDOWN_TIMEOUT_MS } from "../provider-http.js";
import { methodUrl, type TelegramConfig } from "./config.js";
import { TgAnswer } from "./schema.js";

/** Only what flows act on; others (edited messages, polls, chat members) are not even sent. */
export const ALLOWED_UPDATES = ["message", "callback_query"] as const;

/**
 * Registers Tern's webhook URL for the bot with `setWebhook`, with the channel's `secret_token`,
 * and reports Telegram's answer. Telegram delivers only to https on ports 443, 80, 88 or 8443;
 * a plain-http URL (a localhost TERN_PUBLIC_URL) is reported before calling, except against a
 * loopback API (the simulator), which accepts loopback URLs so tests run.
 * https://core.telegram.org/bots/api#setwebhook
 */
export async function setup(input: {
  config: TelegramConfig;
  webhookUrl: string;
  fetch: FetchLike;
}): Promise<SetupReport> {
  const { config, webhookUrl } = input;
  const secrets = [config.botToken, config.secretToken];
  const isApiLocal = isLoopbackHost(new URL(config.apiBaseUrl).hostname);
  if (new URL(webhookUrl).protocol !== "https:" && !isApiLocal) {
    return {
      ok: false,
      message: `Telegram only delivers to https URLs, and this channel's webhook URL is ${webhookUrl}. Set TERN_PUBLIC_URL to Tern's public https address (for a test, a tunnel such as ngrok), then run setup again (POST /api/v1/channels/:id/setup).`,
    };
  }
  const body = {
    url: webhookUrl,
    secret_token: config.secretToken,
    allowed_updates: ALLOWED_UPDATES,
  };
  try {
    const answer = await callProvider({
      purpose: "setup",
      provider: "Telegram",
      fetch: input.fetch,
      url: methodUrl(config, "setWebhook"),
      init: { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
      secrets,
    });
    const parsed = TgAnswer.safeParse(answer.json);
    const description = redact(
      parsed.success ? (parsed.data.description ?? "") : answer.text.slice(0, 200),
      secrets,
    );
    if (parsed.success && parsed.data.ok && parsed.data.result === true) {
      return {
        ok: true,
        message: `Telegram will post this bot's updates (${ALLOWED_UPDATES.join(", ")}) to ${webhookUrl} with the channel's secret token.`,
        details: { description, allowedUpdates: [...ALLOWED_UPDATES] },
      };
    }
    return {
      ok: false,
      message: `Telegram refused setWebhook (HTTP ${answer.status}${description ? `: ${description}` : ""}).${
        answer.status === 401 || answer.status === 404 ? " Check the bot token (@BotFather → /token)." : ""
      }`,
      details: { httpStatus: answer.status, description },
    };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { ok: false, message: `setWebhook failed: ${error.message}` };
  }
}

/**
 * When the channel is deleted: `deleteWebhook`, but only while the bot's webhook is still this
 * channel's URL (`getWebhookInfo`): the same bot may since serve another channel, whose updates
 * must keep coming. Without it Telegram would go on posting to a URL that answers 404.
 * https://core.telegram.org/bots/api#deletewebhook
 */
export async function teardown(input: {
  config: TelegramConfig;
  webhookUrl: string;
  fetch: FetchLike;
}): Promise<SetupReport> {
  const { config, webhookUrl } = input;
  const secrets = [config.botToken, config.secretToken];
  const call = (method: string, body: unknown) =>
    callProvider({
      purpose: "setup",
      provider: "Telegram",
      fetch: input.fetch,
      url: methodUrl(config, method),
      // Asked while the admin waits for the DELETE's answer: not the default 30 s.
      init: {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TEARDOWN_TIMEOUT_MS),
      },
      secrets,
    });
  try {
    const info = TgAnswer.safeParse((await call("getWebhookInfo", {})).json);
    const registered = info.success && info.data.ok ? readUrl(info.data.result) : undefined;
    if (registered === undefined) {
      return {
        ok: false,
        message:
          "Telegram did not say where the bot's webhook points (getWebhookInfo); it was left as it is.",
      };
    }
    if (registered !== webhookUrl) {
      return {
        ok: true,
        // The other URL is not quoted: it is another system's and may carry a secret in its path.
        message: "The bot's webhook points elsewhere now, not to this channel: left as it is.",
      };
    }
    const answer = await call("deleteWebhook", { drop_pending_updates: false });
    const parsed = TgAnswer.safeParse(answer.json);
    if (parsed.success && parsed.data.ok)
      return { ok: true, message: "Telegram no longer posts this bot's updates to Tern." };
    return { ok: false, message: `Telegram refused deleteWebhook (HTTP ${answer.status}).` };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { ok: false, message: `Removing the webhook at Telegram failed: ${error.message}` };
  }
}

function readUrl(result: unknown): string | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const url = (result as { url?: unknown }).url;
  return typeof url === "string" ? url : undefined;
}
