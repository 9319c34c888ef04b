import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { WhatsAppConfig } from "../../channels/whatsapp/config.js";
import type { GraphError } from "../../channels/whatsapp/errors.js";
import { keepNewest } from "../bounded.js";
import { type ParsedSend, SendValidationError, validateSend } from "./validate.js";
import { buildStatusWebhook, DEFAULT_PHONE_NUMBER_ID, newWamid, postWebhook } from "./webhooks.js";

/**
 * A loopback stand-in for Meta's Graph API messages endpoint, for tests, `tern demo` and benchmarks.
 * Wire format: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
 */

export interface SimulatorOptions {
  port?: number;
  accessToken?: string;
  appSecret?: string;
  phoneNumberId?: string;
  /** Delay before each answer. */
  latencyMs?: number;
}

export interface SentMessage extends ParsedSend {
  wamid: string;
  /** The request body exactly as parsed. */
  body: Record<string, unknown>;
  receivedAt: number;
}

export interface StatusDelivery {
  messageId: string;
  status: "sent" | "delivered";
  httpStatus?: number;
  error?: string;
}

export interface WhatsAppSimulator {
  /** Base URL, use as apiBaseUrl. */
  url: string;
  /** A complete channel config pointing at this simulator, with generated secrets. */
  config: WhatsAppConfig;
  /** The accepted messages, oldest first: the newest 10,000 (bounded.ts). */
  sent: SentMessage[];
  /** Outcome of each status webhook posted by deliverStatusesTo. */
  statusDeliveries: StatusDelivery[];
  /** Resolves with all sent messages once at least `count` arrived, or with the first match; rejects after timeoutMs (5 s). */
  waitForSent(count: number, timeoutMs?: number): Promise<SentMessage[]>;
  waitForSent(predicate: (message: SentMessage) => boolean, timeoutMs?: number): Promise<SentMessage>;
  /** POST signed `sent` and `delivered` status webhooks for each accepted message; null stops. */
  deliverStatusesTo(webhookUrl: string | null): void;
  /** Calls `listener` for every accepted message (benchmarks time replies with it); returns an unsubscribe. */
  onSent(listener: (message: SentMessage) => void): () => void;
  /**
   * A customer whose WhatsApp account is registered under another form of the number (Mexico's
   * 521…, a Brazilian mobile's old 8 digits): a send to `dialled` is answered with `wa_id: waId`,
   * as Meta answers, and its statuses name `waId`.
   */
  registerAs(dialled: string, waId: string): void;
  /** The next n send requests (after the token check) fail with this Graph error and HTTP status. */
  failNext(n: number, graphError?: GraphError, status?: number): void;
  /**
   * The next n send requests are read and then the connection is destroyed without an answer,
   * like a proxy or a network cut. `afterAccept`: the message is first accepted as Meta would
   * (recorded, its signed status webhooks posted); otherwise it is dropped unseen.
   */
  dropNext(n: number, options?: { afterAccept?: boolean }): void;
  /** Each dropped request: when, and whether its message had been accepted. */
  dropped: Array<{ at: number; isAccepted: boolean }>;
  /** Stop listening and close idle connections: new requests get ECONNREFUSED until acceptConnections(). */
  refuseConnections(): Promise<void>;
  acceptConnections(): Promise<void>;
  /** Accept and record messages but hold the answers until releaseResponses(). */
  holdResponses(): void;
  releaseResponses(): void;
  clearSent(): void;
  close(): Promise<void>;
}

/** Deliveries of one status webhook before giving up (about 30 s of retries). */
const STATUS_ATTEMPTS = 40;

const MESSAGES_PATH = /^\/(v\d+\.\d+)\/([^/]+)\/messages\/?$/;

function graphError(code: number, message: string, extra: Partial<GraphError> = {}): { error: GraphError } {
  return {
    error: {
      message,
      type: "OAuthException",
      code,
      ...extra,
      fbtrace_id: extra.fbtrace_id ?? randomBytes(9).toString("base64url"),
    },
  };
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function bearerToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
  return match?.[1] ?? url.searchParams.get("access_token") ?? undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startWhatsAppSimulator(options: SimulatorOptions = {}): Promise<WhatsAppSimulator> {
  const accessToken = options.accessToken ?? `EAAG${randomBytes(24).toString("base64url")}`;
  const appSecret = options.appSecret ?? randomBytes(16).toString("hex");
  const phoneNumberId = options.phoneNumberId ?? DEFAULT_PHONE_NUMBER_ID;
  const latencyMs = options.latencyMs ?? 0;

  const sent: SentMessage[] = [];
  const statusDeliveries: StatusDelivery[] = [];
  const waiters = new Set<() => void>();
  const faults: Array<{ status: number; error: GraphError }> = [];
  const drops: Array<{ afterAccept: boolean }> = [];
  const dropped: Array<{ at: number; isAccepted: boolean }> = [];
  const held: Array<() => void> = [];
  const inFlight = new Set<Promise<void>>();
  let isHolding = false;
  let statusUrl: string | null = null;
  let isClosed = false;
  const sentListeners = new Set<(message: SentMessage) => void>();
  const accounts = new Map<string, string>();
  const waIdOf = (to: string) => {
    const digits = to.replace(/^\+/, "");
    return accounts.get(digits) ?? digits;
  };

  function record(parsed: ParsedSend, body: Record<string, unknown>): SentMessage {
    const message: SentMessage = { ...parsed, wamid: newWamid(), body, receivedAt: Date.now() };
    sent.push(message);
    keepNewest(sent);
    for (const wake of waiters) wake();
    for (const listener of sentListeners) listener(message);
    return message;
  }

  function scheduleStatuses(message: SentMessage): void {
    const url = statusUrl;
    if (!url) return;
    const run = (async () => {
      for (const status of ["sent", "delivered"] as const) {
        const webhook = buildStatusWebhook({
          messageId: message.wamid,
          status,
          recipient: waIdOf(message.to),
          phoneNumberId,
          ...(message.correlationId !== undefined ? { correlationId: message.correlationId } : {}),
        });
        // Meta retries a webhook that was not answered 200, with growing pauses, for up to 7 days
        // (https://developers.facebook.com/docs/graph-api/webhooks/getting-started). Scaled down here.
        for (
          let attempt = 0, pauseMs = 50;
          attempt < STATUS_ATTEMPTS && !isClosed && statusUrl !== null;
          attempt++, pauseMs = Math.min(pauseMs * 2, 1_000)
        ) {
          try {
            const response = await postWebhook(url, webhook, appSecret);
            await response.arrayBuffer();
            statusDeliveries.push({ messageId: message.wamid, status, httpStatus: response.status });
            keepNewest(statusDeliveries);
            if (response.status === 200) break;
          } catch (error) {
            statusDeliveries.push({ messageId: message.wamid, status, error: String(error) });
            keepNewest(statusDeliveries);
          }
          await sleep(pauseMs);
        }
      }
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  async function handleSend(req: IncomingMessage, res: ServerResponse, url: URL, pathPhoneId: string) {
    const raw = await readBody(req);
    const token = bearerToken(req, url);
    if (!token)
      return reply(res, 400, graphError(104, "An access token is required to request this resource."));
    if (token !== accessToken) {
      return reply(res, 401, graphError(190, "Invalid OAuth access token - Cannot parse access token"));
    }
    if (pathPhoneId !== phoneNumberId) {
      return reply(
        res,
        400,
        graphError(
          100,
          `Unsupported post request. Object with ID '${pathPhoneId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
          { type: "GraphMethodException", error_subcode: 33 },
        ),
      );
    }
    const fault = faults.shift();
    if (fault) return reply(res, fault.status, { error: fault.error });
    const drop = drops.shift();
    if (drop && !drop.afterAccept) {
      dropped.push({ at: Date.now(), isAccepted: false });
      req.socket.destroy();
      return;
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return reply(res, 400, graphError(100, "(#100) The request body is not valid JSON."));
    }
    let parsed: ParsedSend;
    try {
      parsed = validateSend(body);
    } catch (error) {
      if (!(error instanceof SendValidationError)) throw error;
      return reply(
        res,
        400,
        graphError(100, `(#100) ${error.message}`, {
          error_data: { messaging_product: "whatsapp", details: error.message },
        }),
      );
    }
    const message = record(parsed, body as Record<string, unknown>);
    if (drop) {
      scheduleStatuses(message);
      dropped.push({ at: Date.now(), isAccepted: true });
      req.socket.destroy();
      return;
    }
    if (isHolding) await new Promise<void>((resolve) => held.push(resolve));
    const isBsuid = (body as Record<string, unknown>).to === undefined;
    reply(res, 200, {
      messaging_product: "whatsapp",
      contacts: [
        isBsuid
          ? { input: message.to, user_id: message.to }
          : { input: message.to, wa_id: waIdOf(message.to) },
      ],
      messages: [{ id: message.wamid }],
    });
    scheduleStatuses(message);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (latencyMs > 0) await sleep(latencyMs);
    const match = MESSAGES_PATH.exec(url.pathname);
    if (!match?.[2] || req.method !== "POST") {
      return reply(res, 400, graphError(2500, `Unknown path components: ${url.pathname}`));
    }
    await handleSend(req, res, url, decodeURIComponent(match[2]));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, graphError(1, `Simulator error: ${String(error)}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const baseUrl = `http://127.0.0.1:${port}`;

  function waitForSent(
    target: number | ((message: SentMessage) => boolean),
    // A whole turn of the worker: 5 s was tight with two test files on a loaded 2-core machine.
    timeoutMs = 10_000,
  ): Promise<SentMessage[] | SentMessage> {
    const check = (): SentMessage[] | SentMessage | undefined =>
      typeof target === "number" ? (sent.length >= target ? sent.slice() : undefined) : sent.find(target);
    return new Promise((resolve, reject) => {
      const done = check();
      if (done) return resolve(done);
      const timer = setTimeout(() => {
        waiters.delete(wake);
        const wanted = typeof target === "number" ? `${target} messages` : "a matching message";
        reject(
          new Error(
            `WhatsApp simulator: waited ${timeoutMs} ms for ${wanted}; ${sent.length} received: ${describeLast(sent)}`,
          ),
        );
      }, timeoutMs);
      const wake = () => {
        const result = check();
        if (!result) return;
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(result);
      };
      waiters.add(wake);
    });
  }

  function releaseResponses(): void {
    isHolding = false;
    for (const release of held.splice(0)) release();
  }

  return {
    url: baseUrl,
    config: {
      phoneNumberId,
      accessToken,
      appSecret,
      verifyToken: randomBytes(12).toString("hex"),
      apiBaseUrl: baseUrl,
      apiVersion: "v23.0",
      sendRatePerSecond: 80,
    },
    sent,
    statusDeliveries,
    waitForSent: waitForSent as WhatsAppSimulator["waitForSent"],
    onSent(listener) {
      sentListeners.add(listener);
      return () => sentListeners.delete(listener);
    },
    deliverStatusesTo(webhookUrl) {
      statusUrl = webhookUrl;
    },
    registerAs(dialled, waId) {
      accounts.set(dialled.replace(/^\+/, ""), waId);
    },
    failNext(n, error = {}, status = 500) {
      const full = graphError(
        error.code ?? 1,
        error.message ?? "An unknown error has occurred.",
        error,
      ).error;
      for (let i = 0; i < n; i++) faults.push({ status, error: full });
    },
    dropNext(n, dropOptions = {}) {
      for (let i = 0; i < n; i++) drops.push({ afterAccept: dropOptions.afterAccept === true });
    },
    dropped,
    async refuseConnections() {
      if (!server.listening) return;
      // The listening socket closes at once; requests still running finish on their connections.
      server.close();
      server.closeIdleConnections();
    },
    async acceptConnections() {
      if (!server.listening) await listen();
    },
    holdResponses() {
      isHolding = true;
    },
    releaseResponses,
    clearSent() {
      sent.length = 0;
    },
    async close() {
      statusUrl = null;
      isClosed = true;
      releaseResponses();
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The last messages sent, for a timeout's error: who, when (UTC time of day) and the text's start. */
function describeLast(sent: SentMessage[]): string {
  const line = (m: SentMessage) =>
    `${m.to} ${new Date(m.receivedAt).toISOString().slice(11, 23)}: ${m.text.slice(0, 40)}`;
  return JSON.stringify(sent.slice(-8).map(line));
}
