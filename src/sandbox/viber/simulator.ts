import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ViberConfig } from "../../channels/viber/config.js";
import { isLoopbackHost } from "../../core/secure-url.js";
import { keepNewest, rememberKey } from "../bounded.js";
import { waitForMatch } from "../wait-for-match.js";
import { type ParsedViberSend, ViberRefusal, validateSend } from "./validate.js";
import { callbackHeaders, createTokens, jsonWithToken, webhookCheckCallback } from "./webhooks.js";

/**
 * A loopback stand-in for Viber's REST Bot API (`/pa/send_message`, `/pa/set_webhook`), for tests
 * and `tern demo`. Like Viber it answers HTTP 200 with `status` 0 or an error code (errors.md), and
 * set_webhook performs the callback check: a signed `webhook` event posted to the URL, which must
 * answer 200. https://github.com/Viber/creators-hub docs/bots-api/getting-started/web-hooks.md
 */
export interface ViberSentMessage extends ParsedViberSend {
  /** The int64 message_token answered, as an exact decimal string. */
  messageToken: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: Record<string, unknown>;
  receivedAt: number;
}

export interface ViberWebhook {
  url: string;
  eventTypes: string[] | undefined;
  sendName: boolean;
  sendPhoto: boolean;
  /** HTTP status the callback check got from the URL (or the network error). */
  callbackCheck: { status?: number; error?: string };
}

export interface ViberSimulator {
  url: string;
  config: ViberConfig;
  sent: ViberSentMessage[];
  webhook: ViberWebhook | null;
  /** Users who wrote to the bot: Viber only delivers to subscribers (status 6 otherwise). */
  subscribe(userId: string): void;
  nextToken(): bigint;
  waitForSent(predicate: (m: ViberSentMessage) => boolean, timeoutMs?: number): Promise<ViberSentMessage>;
  /**
   * Post signed `delivered` then `seen` callbacks for each accepted message to the registered
   * webhook, as Viber does for the event types set_webhook asked for. Off by default.
   */
  deliverStatuses(isOn: boolean): void;
  /** Outcome of each status callback posted (HTTP status or the network error). */
  statusDeliveries: Array<{ event: string; messageToken: string; status?: number; error?: string }>;
  /** The next n API calls answer this status (e.g. 12 Too many requests). */
  failNext(n: number, status: number, statusMessage: string): void;
  close(): Promise<void>;
}

function reply(res: ServerResponse, payload: Record<string, unknown>, token?: bigint): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(token === undefined ? JSON.stringify(payload) : jsonWithToken(payload, token));
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startViberSimulator(
  options: { authToken?: string; senderName?: string } = {},
): Promise<ViberSimulator> {
  const authToken =
    options.authToken ??
    `${randomBytes(8).toString("hex")}-${randomBytes(8).toString("hex")}-${randomBytes(8).toString("hex")}`;
  const sent: ViberSentMessage[] = [];
  const subscribers = new Set<string>();
  const faults: Array<{ status: number; statusMessage: string }> = [];
  const waiters = new Set<() => void>();
  const nextToken = createTokens();
  let webhook: ViberWebhook | null = null;
  let isDeliveringStatuses = false;
  const statusDeliveries: ViberSimulator["statusDeliveries"] = [];
  const inFlight = new Set<Promise<void>>();

  /** delivered / seen callbacks (docs/bots-api/events/message-delivered.md, message-seen.md). */
  function scheduleStatuses(message: ViberSentMessage): void {
    const target = webhook;
    if (!isDeliveringStatuses || !target) return;
    const wanted = (event: string) => target.eventTypes === undefined || target.eventTypes.includes(event);
    const run = (async () => {
      // A device takes a moment to receive and show a message; Viber reports after that.
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const event of ["delivered", "seen"].filter(wanted)) {
        const body = jsonWithToken(
          { event, timestamp: Date.now(), chat_hostname: "SN-CHAT-01_", user_id: message.receiver },
          message.messageToken,
        );
        try {
          const response = await fetch(target.url, {
            method: "POST",
            headers: callbackHeaders(body, authToken),
            body,
          });
          await response.arrayBuffer();
          statusDeliveries.push({ event, messageToken: message.messageToken, status: response.status });
          keepNewest(statusDeliveries);
        } catch (error) {
          statusDeliveries.push({ event, messageToken: message.messageToken, error: String(error) });
          keepNewest(statusDeliveries);
        }
      }
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  async function setWebhook(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const url = typeof body.url === "string" ? body.url : undefined;
    if (url === undefined) return reply(res, { status: 4, status_message: "missingData: url" });
    if (url === "") {
      webhook = null;
      return reply(res, { status: 0, status_message: "ok" });
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return reply(res, { status: 1, status_message: "invalidUrl" });
    }
    // Viber wants https with a trusted certificate; loopback http is let through for tests (README).
    if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && isLoopbackHost(parsed.hostname))) {
      return reply(res, { status: 1, status_message: "invalidUrl" });
    }
    const eventTypes = Array.isArray(body.event_types) ? body.event_types.map(String) : undefined;
    const check: ViberWebhook["callbackCheck"] = {};
    try {
      const callback = webhookCheckCallback(nextToken());
      const response = await fetch(url, {
        method: "POST",
        headers: callbackHeaders(callback, authToken),
        body: callback,
      });
      await response.arrayBuffer();
      check.status = response.status;
    } catch (error) {
      check.error = String(error);
    }
    if (check.status !== 200) return reply(res, { status: 1, status_message: "invalidUrl" });
    webhook = {
      url,
      eventTypes,
      sendName: body.send_name === true,
      sendPhoto: body.send_photo === true,
      callbackCheck: check,
    };
    reply(res, {
      status: 0,
      status_message: "ok",
      event_types: eventTypes ?? [
        "delivered",
        "seen",
        "failed",
        "subscribed",
        "unsubscribed",
        "conversation_started",
      ],
    });
  }

  function sendMessage(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
    const parsed = validateSend(body);
    if (!subscribers.has(parsed.receiver)) throw new ViberRefusal(6, "notSubscribed");
    const token = nextToken();
    const message: ViberSentMessage = {
      ...parsed,
      messageToken: String(token),
      path: "/pa/send_message",
      headers: { ...req.headers } as Record<string, string | undefined>,
      body,
      receivedAt: Date.now(),
    };
    sent.push(message);
    keepNewest(sent);
    for (const wake of waiters) wake();
    reply(res, { status: 0, status_message: "ok", chat_hostname: "SN-CHAT-01_", billing_status: 1 }, token);
    scheduleStatuses(message);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const raw = await readText(req);
    const token = req.headers["x-viber-auth-token"];
    if (token === undefined || token === "")
      return reply(res, { status: 2, status_message: "missing_auth_token" });
    if (token !== authToken) return reply(res, { status: 2, status_message: "invalidAuthToken" });
    // "Maximum message size is 30KB" (send-message.md).
    if (Buffer.byteLength(raw, "utf8") > 30 * 1024)
      return reply(res, { status: 3, status_message: "badData" });
    let body: Record<string, unknown>;
    try {
      const json: unknown = JSON.parse(raw);
      if (!json || typeof json !== "object" || Array.isArray(json)) throw new Error("not an object");
      body = json as Record<string, unknown>;
    } catch {
      return reply(res, { status: 3, status_message: "badData" });
    }
    const fault = faults.shift();
    if (fault) return reply(res, { status: fault.status, status_message: fault.statusMessage });
    if (req.method !== "POST") return reply(res, { status: 3, status_message: "badData" });
    if (path === "/pa/set_webhook") return setWebhook(res, body);
    if (path === "/pa/send_message") return sendMessage(req, res, body);
    if (path === "/pa/get_account_info") {
      return reply(res, {
        status: 0,
        status_message: "ok",
        id: "pa:sandbox",
        name: options.senderName ?? "Tern Sandbox",
        webhook: webhook?.url ?? "",
      });
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("Not Found");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof ViberRefusal)
        return reply(res, { status: error.status, status_message: error.statusMessage });
      if (!res.headersSent) reply(res, { status: 99, status_message: "failure" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    config: { authToken, senderName: options.senderName ?? "Tern Sandbox", apiBaseUrl: baseUrl },
    sent,
    get webhook() {
      return webhook;
    },
    subscribe(userId) {
      rememberKey(subscribers, userId);
    },
    nextToken,
    waitForSent(predicate, timeoutMs = 10_000) {
      return waitForMatch(sent, waiters, predicate, timeoutMs, "Viber simulator");
    },
    deliverStatuses(isOn) {
      isDeliveringStatuses = isOn;
    },
    statusDeliveries,
    failNext(n, status, statusMessage) {
      for (let i = 0; i < n; i++) faults.push({ status, statusMessage });
    },
    async close() {
      isDeliveringStatuses = false;
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
