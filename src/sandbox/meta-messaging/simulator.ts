import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GraphError } from "../../channels/meta/send-errors.js";
import { keepNewest } from "../bounded.js";
import {
  type ChannelSimulator,
  type CustomerMessage,
  deliveryUrl,
  type SimulatedSend,
} from "../channel-simulator.js";
import { waitForMatch } from "../wait-for-match.js";
import type { MetaMessagingProduct } from "./product.js";
import { type ParsedSend, SendValidationError, validateSend } from "./validate.js";
import {
  deliveryEvent,
  envelope,
  newMid,
  postUntilAccepted,
  quickReplyEvent,
  sentMessageEcho,
  signedWebhook,
  textEvent,
} from "./webhooks.js";

/**
 * A loopback stand-in for the Messenger Platform Send API (Messenger on graph.facebook.com,
 * Instagram on graph.instagram.com) plus a customer who posts signed webhooks, for tests and the
 * sandbox. Checks, in Graph's order: the token (missing → 400 code 104, wrong → 401 code 190),
 * the account id in the path (/me is the token's account; another → 400 code 100 subcode 33),
 * queued faults, the 24-hour window (closeWindow), then the body (validate.ts).
 */
export interface MetaMessagingSimulator extends ChannelSimulator {
  product: MetaMessagingProduct;
  accountId: string;
  appSecret: string;
  /** The next n sends fail with this Graph error and HTTP status (default 500, code 1). */
  failNext(n: number, error?: GraphError, status?: number): void;
  /** Sends to this user without a HUMAN_AGENT tag are refused as outside the 24-hour window. */
  closeWindow(userId: string): void;
  /** Signs and posts any envelope (echoes, deliveries, batches) as Meta would. */
  post(webhookUrl: string, body: unknown): Promise<{ status: number; body: string }>;
  /**
   * After each accepted send, POST its signed echo (`message_echoes`: `is_echo`, the `metadata`
   * that was sent) to this URL, retried until answered 200, as Meta does when the field is
   * subscribed; null stops.
   */
  deliverEchoesTo(webhookUrl: string | null): void;
  /**
   * Messenger: after each accepted send, POST its signed `message_deliveries` (the new mid) to
   * this URL and wait for the answer before answering the send, as when Meta's delivery overtakes
   * the Send API's answer on the way back; null stops. `withoutMids`: the delivery names no mid,
   * only its watermark (Meta: "mids … may not be present").
   */
  deliverBeforeAnswer(webhookUrl: string | null, options?: { withoutMids?: boolean }): void;
  /**
   * The next n sends are read and then the connection is cut without an answer. `afterAccept`:
   * first accepted as Meta would (recorded, echoed); otherwise dropped unseen.
   */
  dropNext(n: number, options?: { afterAccept?: boolean }): void;
  dropped: Array<{ at: number; isAccepted: boolean }>;
}

const MESSAGES_PATH = /^\/(v\d+\.\d+)\/([^/]+)\/messages\/?$/;

function graphError(code: number, message: string, extra: Partial<GraphError> = {}): { error: GraphError } {
  return {
    error: {
      message,
      type: "OAuthException",
      code,
      ...extra,
      fbtrace_id: randomBytes(9).toString("base64url"),
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
  const match = req.headers.authorization ? /^Bearer\s+(.+)$/i.exec(req.headers.authorization) : null;
  return match?.[1] ?? url.searchParams.get("access_token") ?? undefined;
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

export async function startMetaMessagingSimulator(
  product: MetaMessagingProduct,
  options: { accountId?: string; accessToken?: string; appSecret?: string } = {},
): Promise<MetaMessagingSimulator> {
  const accountId = options.accountId ?? product.defaultAccountId;
  const accessToken = options.accessToken ?? `EAAG${randomBytes(24).toString("base64url")}`;
  const appSecret = options.appSecret ?? randomBytes(16).toString("hex");
  const sent: SimulatedSend[] = [];
  const waiters = new Set<() => void>();
  const faults: Array<{ status: number; error: GraphError }> = [];
  const closedWindows = new Set<string>();
  const drops: Array<{ afterAccept: boolean }> = [];
  const dropped: Array<{ at: number; isAccepted: boolean }> = [];
  const inFlight = new Set<Promise<void>>();
  let echoUrl: string | null = null;
  let earlyDeliveryUrl: string | null = null;
  let earlyWithoutMids = false;
  let isClosed = false;

  /** After an accepted send: its echo, posted until Tern answers 200 (Meta retries too). */
  function scheduleEcho(body: Record<string, unknown>, to: string, mid: string): void {
    const url = echoUrl;
    if (!url) return;
    const echo = sentMessageEcho({ accountId, to, mid, sendBody: body });
    const request = signedWebhook(envelope(product, accountId, echo), appSecret);
    const run = postUntilAccepted(url, request, () => isClosed || echoUrl === null);
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = MESSAGES_PATH.exec(url.pathname);
    if (!match?.[2] || req.method !== "POST") {
      return reply(res, 400, graphError(2500, `Unknown path components: ${url.pathname}`));
    }
    const raw = await readBody(req);
    const token = bearerToken(req, url);
    if (!token)
      return reply(res, 400, graphError(104, "An access token is required to request this resource."));
    if (token !== accessToken) {
      return reply(res, 401, graphError(190, "Invalid OAuth access token - Cannot parse access token"));
    }
    const pathId = decodeURIComponent(match[2]);
    if (pathId !== "me" && pathId !== accountId) {
      return reply(
        res,
        400,
        graphError(
          100,
          `Unsupported post request. Object with ID '${pathId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
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
      parsed = validateSend(body, product);
    } catch (error) {
      if (!(error instanceof SendValidationError)) throw error;
      return reply(res, 400, graphError(100, error.message));
    }
    if (closedWindows.has(parsed.to) && parsed.tag !== "HUMAN_AGENT") {
      return reply(
        res,
        400,
        graphError(10, "(#10) This message is sent outside of allowed window.", {
          error_subcode: product.windowSubcode,
        }),
      );
    }
    const messageId = newMid(product);
    sent.push({
      to: parsed.to,
      text: parsed.text,
      choices: parsed.choices.map((c) => c.title),
      providerMessageId: messageId,
      request: { method: "POST", path: `${url.pathname}${url.search}`, headers: flatHeaders(req), body },
      receivedAt: Date.now(),
    });
    keepNewest(sent);
    for (const wake of waiters) wake();
    scheduleEcho(body as Record<string, unknown>, parsed.to, messageId);
    if (earlyDeliveryUrl) {
      const delivered = deliveryEvent({
        from: parsed.to,
        accountId,
        ...(!earlyWithoutMids && { mids: [messageId] }),
      });
      const request = signedWebhook(envelope(product, accountId, delivered), appSecret);
      await post(earlyDeliveryUrl, request.headers, request.body);
    }
    if (drop) {
      dropped.push({ at: Date.now(), isAccepted: true });
      req.socket.destroy();
      return;
    }
    reply(res, 200, { recipient_id: parsed.to, message_id: messageId });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, graphError(1, `Simulator error: ${String(error)}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function webhook(webhookUrl: string, message: CustomerMessage) {
    const id = message.id ?? newMid(product);
    const who = { from: message.from, accountId };
    const event = message.choice
      ? quickReplyEvent({ ...who, mid: id, payload: message.choice.id, title: message.choice.title })
      : textEvent({ ...who, mid: id, text: message.text });
    return { url: webhookUrl, ...signedWebhook(envelope(product, accountId, event), appSecret), id };
  }

  async function post(url: string, headers: Record<string, string>, body: string) {
    const response = await fetch(url, { method: "POST", headers, body });
    return {
      status: response.status,
      body: await response.text(),
      contentType: response.headers.get("content-type"),
    };
  }

  return {
    type: product.type,
    product,
    url: baseUrl,
    accountId,
    appSecret,
    config: {
      [product.accountKey]: accountId,
      [product.tokenKey]: accessToken,
      appSecret,
      verifyToken: randomBytes(12).toString("hex"),
      apiBaseUrl: baseUrl,
      apiVersion: "v23.0",
    },
    sent,
    waitForSent(predicate, timeoutMs = 10_000) {
      return waitForMatch(sent, waiters, predicate, timeoutMs, "Meta Send API simulator");
    },
    webhook,
    async say(webhookUrl, message, options) {
      const request = webhook(webhookUrl, message);
      const url = deliveryUrl(request.url, options?.deliverTo);
      return { ...(await post(url, request.headers, request.body)), id: request.id };
    },
    async post(webhookUrl, body) {
      const request = signedWebhook(body, appSecret);
      const answer = await post(webhookUrl, request.headers, request.body);
      return { status: answer.status, body: answer.body };
    },
    failNext(n, error = {}, status = 500) {
      const full = graphError(
        error.code ?? 1,
        error.message ?? "An unknown error has occurred.",
        error,
      ).error;
      for (let i = 0; i < n; i++) faults.push({ status, error: full });
    },
    closeWindow(userId) {
      closedWindows.add(userId);
    },
    deliverEchoesTo(webhookUrl) {
      echoUrl = webhookUrl;
    },
    deliverBeforeAnswer(webhookUrl, earlyOptions = {}) {
      earlyDeliveryUrl = webhookUrl;
      earlyWithoutMids = earlyOptions.withoutMids === true;
    },
    dropNext(n, dropOptions = {}) {
      for (let i = 0; i < n; i++) drops.push({ afterAccept: dropOptions.afterAccept === true });
    },
    dropped,
    async close() {
      echoUrl = null;
      isClosed = true;
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
