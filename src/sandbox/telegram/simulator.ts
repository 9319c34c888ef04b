import { randomBytes, randomInt } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TelegramConfig } from "../../channels/telegram/config.js";
import { isLoopbackHost } from "../../core/secure-url.js";
import { keepNewest } from "../bounded.js";
import { waitForMatch } from "../wait-for-match.js";
import { BadRequest, buttonsOf, captionOf, chatIdOf, fileUrlOf, textOf } from "./validate.js";

/**
 * A loopback stand-in for the Telegram Bot API (`{apiBaseUrl}/bot<token>/<method>`), for tests and
 * `tern demo`. Answers follow https://core.telegram.org/bots/api#making-requests: always
 * `{ok, result}` or `{ok:false, error_code, description, parameters?}`.
 */
export interface TelegramSentMessage {
  method: string;
  chatId: string;
  /** Text, or the caption of a media message. */
  text: string;
  buttons: Array<{ text: string; data?: string }>;
  messageId: number;
  /** The reply_markup as sent (a later tap echoes it back, as Telegram does). */
  replyMarkup: unknown;
  path: string;
  headers: Record<string, string | undefined>;
  body: Record<string, unknown>;
  receivedAt: number;
}

export interface TelegramWebhook {
  url: string;
  secretToken: string | undefined;
  allowedUpdates: string[] | undefined;
}

export interface TelegramSimulator {
  url: string;
  config: TelegramConfig;
  botId: number;
  sent: TelegramSentMessage[];
  /** What setWebhook registered (null after deleteWebhook). */
  webhook: TelegramWebhook | null;
  /** Callback query ids answered, by API call or in a webhook answer. */
  answeredCallbacks: string[];
  waitForSent(
    predicate: (m: TelegramSentMessage) => boolean,
    timeoutMs?: number,
  ): Promise<TelegramSentMessage>;
  /** The chat blocked the bot: sends to it answer 403 "Forbidden: bot was blocked by the user". */
  block(chatId: string): void;
  /** The next n method calls fail with this error (429 carries parameters.retry_after). */
  failNext(n: number, error: { status: number; description: string; retryAfter?: number }): void;
  close(): Promise<void>;
}

const METHOD_PATH = /^\/bot([^/]+)\/([A-Za-z]+)$/;
const MEDIA_FIELDS: Record<string, string> = {
  sendPhoto: "photo",
  sendDocument: "document",
  sendVideo: "video",
  sendAudio: "audio",
};

function answer(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}

function refusal(res: ServerResponse, status: number, description: string, retryAfter?: number): void {
  answer(res, status, {
    ok: false,
    error_code: status,
    description,
    ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}),
  });
}

async function readBody(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  const type = req.headers["content-type"] ?? "";
  // The Bot API takes the query string, urlencoded forms and JSON alike.
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (text === "") return params;
  if (type.includes("application/json")) {
    const json: unknown = JSON.parse(text);
    if (!json || typeof json !== "object" || Array.isArray(json))
      throw new BadRequest("Bad Request: invalid JSON");
    return { ...params, ...(json as Record<string, unknown>) };
  }
  const form: Record<string, unknown> = Object.fromEntries(new URLSearchParams(text));
  for (const key of ["reply_markup", "allowed_updates"]) {
    if (typeof form[key] === "string") form[key] = JSON.parse(form[key] as string);
  }
  return { ...params, ...form };
}

export async function startTelegramSimulator(
  options: { botToken?: string; secretToken?: string } = {},
): Promise<TelegramSimulator> {
  const botId = randomInt(1_000_000_000, 8_000_000_000);
  const botToken = options.botToken ?? `${botId}:AA${randomBytes(24).toString("base64url").slice(0, 33)}`;
  const secretToken = options.secretToken ?? randomBytes(24).toString("base64url");
  const sent: TelegramSentMessage[] = [];
  const answeredCallbacks: string[] = [];
  const blocked = new Set<string>();
  const faults: Array<{ status: number; description: string; retryAfter?: number }> = [];
  const waiters = new Set<() => void>();
  let webhook: TelegramWebhook | null = null;
  let nextMessageId = 1;

  const botUser = { id: botId, is_bot: true, first_name: "Tern Sandbox", username: "tern_sandbox_bot" };

  function setWebhook(res: ServerResponse, body: Record<string, unknown>) {
    const url = typeof body.url === "string" ? body.url : "";
    if (url === "") {
      webhook = null;
      return answer(res, 200, { ok: true, result: true, description: "Webhook was deleted" });
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return refusal(res, 400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known");
    }
    // Telegram wants https; loopback http is let through so tests can run (README).
    if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && isLoopbackHost(parsed.hostname))) {
      return refusal(res, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
    }
    const secret = body.secret_token;
    if (secret !== undefined && (typeof secret !== "string" || !/^[A-Za-z0-9_-]{1,256}$/.test(secret))) {
      return refusal(res, 400, "Bad Request: secret token contains unallowed characters");
    }
    const allowed = Array.isArray(body.allowed_updates) ? body.allowed_updates.map(String) : undefined;
    webhook = { url, secretToken: secret as string | undefined, allowedUpdates: allowed };
    answer(res, 200, { ok: true, result: true, description: "Webhook was set" });
  }

  function sendMessage(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    body: Record<string, unknown>,
  ) {
    const chatId = chatIdOf(body);
    const field = MEDIA_FIELDS[method];
    if (field) fileUrlOf(body, field);
    const text = field ? captionOf(body) : textOf(body);
    const buttons = buttonsOf(body.reply_markup);
    if (blocked.has(chatId)) return refusal(res, 403, "Forbidden: bot was blocked by the user");
    const message: TelegramSentMessage = {
      method,
      chatId,
      text,
      buttons,
      messageId: nextMessageId++,
      replyMarkup: body.reply_markup,
      path,
      headers: { ...req.headers } as Record<string, string | undefined>,
      body,
      receivedAt: Date.now(),
    };
    sent.push(message);
    keepNewest(sent);
    for (const wake of waiters) wake();
    const chat = /^-?\d+$/.test(chatId) ? Number(chatId) : chatId;
    answer(res, 200, {
      ok: true,
      result: {
        message_id: message.messageId,
        from: botUser,
        chat: { id: chat, type: "private" },
        date: Math.floor(Date.now() / 1000),
        ...(field ? { caption: text } : { text }),
        ...(body.reply_markup ? { reply_markup: body.reply_markup } : {}),
      },
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = METHOD_PATH.exec(url.pathname);
    if (!match?.[1] || !match[2]) return refusal(res, 404, "Not Found");
    if (decodeURIComponent(match[1]) !== botToken) return refusal(res, 401, "Unauthorized");
    const method = match[2];
    let body: Record<string, unknown>;
    try {
      body = await readBody(req, url);
    } catch {
      return refusal(res, 400, "Bad Request: can't parse JSON object");
    }
    const fault = faults.shift();
    if (fault) return refusal(res, fault.status, fault.description, fault.retryAfter);
    switch (method) {
      case "getMe":
        return answer(res, 200, { ok: true, result: botUser });
      case "setWebhook":
        return setWebhook(res, body);
      case "deleteWebhook":
        webhook = null;
        return answer(res, 200, { ok: true, result: true, description: "Webhook was deleted" });
      case "getWebhookInfo":
        return answer(res, 200, {
          ok: true,
          result: {
            url: webhook?.url ?? "",
            has_custom_certificate: false,
            pending_update_count: 0,
            ...(webhook?.allowedUpdates ? { allowed_updates: webhook.allowedUpdates } : {}),
          },
        });
      case "answerCallbackQuery":
        if (typeof body.callback_query_id !== "string")
          return refusal(
            res,
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
          );
        answeredCallbacks.push(body.callback_query_id);
        keepNewest(answeredCallbacks);
        return answer(res, 200, { ok: true, result: true });
      case "sendMessage":
      case "sendPhoto":
      case "sendDocument":
      case "sendVideo":
      case "sendAudio":
        return sendMessage(req, res, method, url.pathname, body);
      default:
        return refusal(res, 404, "Not Found: method not found");
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof BadRequest) return refusal(res, 400, error.message);
      if (!res.headersSent) refusal(res, 500, "Internal Server Error");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    config: { botToken, secretToken, apiBaseUrl: baseUrl },
    botId,
    sent,
    get webhook() {
      return webhook;
    },
    answeredCallbacks,
    waitForSent(predicate, timeoutMs = 10_000) {
      return waitForMatch(sent, waiters, predicate, timeoutMs, "Telegram simulator");
    },
    block(chatId) {
      blocked.add(chatId);
    },
    failNext(n, error) {
      for (let i = 0; i < n; i++) faults.push(error);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
