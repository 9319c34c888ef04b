import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { LineConfig } from "../../channels/line/config.js";
import { keepNewest, remember } from "../bounded.js";
import { waitForMatch } from "../wait-for-match.js";
import { isUuid, type ParsedPush, validatePush, validateReply } from "./validate.js";

/**
 * A loopback stand-in for the LINE Messaging API push and reply endpoints, for tests, `tern demo`
 * and benchmarks. Wire format: https://developers.line.biz/en/reference/messaging-api/#send-push-message
 * and #send-reply-message — Bearer channel access token, JSON body checked as LINE does (400
 * `{message, details}`), `X-Line-Retry-Key` honoured on push (a repeat of an accepted key answers
 * 409 with the accepted request id, https://developers.line.biz/en/docs/messaging-api/retrying-api-request/).
 * A reply token is one this simulator issued for a webhook event (`issueReplyToken`), usable once
 * and for `REPLY_TOKEN_LIFE_MS`; any other answers 400 "Invalid reply token", as LINE does.
 */
export const REPLY_TOKEN_LIFE_MS = 60_000;

export interface LinePush extends ParsedPush {
  /** Which endpoint took it: a push, or a reply with a webhook event's token. */
  via: "push" | "reply";
  /** The id LINE answered in sentMessages[0].id. */
  messageId: string;
  retryKey: string | undefined;
  headers: Record<string, string | undefined>;
  body: unknown;
  receivedAt: number;
}

export interface LineSimulator {
  url: string;
  config: LineConfig;
  pushes: LinePush[];
  /** The push and reply requests it accepted, oldest first: the newest 10,000 (bounded.ts). */
  requests: number;
  waitForPush(predicate: (push: LinePush) => boolean, timeoutMs?: number): Promise<LinePush>;
  /** The next n pushes fail with this status and LINE error body (before acceptance). */
  failNext(n: number, status: number, body: { message: string; details?: unknown[] }): void;
  /** The next n pushes are accepted, then their connection is cut without an answer (a lost reply). */
  dropNextAfterAccept(n: number): void;
  /** A reply token for an event from `to` (a user, group or room id), issued at `issuedAt`. */
  issueReplyToken(to: string, issuedAt?: number): string;
  close(): Promise<void>;
}

function reply(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "x-line-request-id": randomBytes(16).toString("hex"),
    ...headers,
  });
  res.end(JSON.stringify(payload));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startLineSimulator(options: { port?: number } = {}): Promise<LineSimulator> {
  const config: LineConfig = {
    channelSecret: randomBytes(16).toString("hex"),
    channelAccessToken: randomBytes(128).toString("base64").replace(/[+/=]/g, "x"),
    apiBaseUrl: "",
    replyWithToken: false,
  };
  /** Reply tokens issued with webhook events: whom they answer, since when, whether used. */
  const replyTokens = new Map<string, { to: string; issuedAt: number; used: boolean }>();
  const pushes: LinePush[] = [];
  /** Retry key → the request id and message id that accepted it (kept 24 h by LINE). */
  const accepted = new Map<string, { requestId: string; messageId: string }>();
  const faults: Array<{ status: number; body: unknown }> = [];
  let drops = 0;
  let requests = 0;
  const waiters = new Set<() => void>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const via = path === "/v2/bot/message/push" ? "push" : path === "/v2/bot/message/reply" ? "reply" : null;
    if (req.method !== "POST" || via === null) {
      return reply(res, 404, { message: "Not found" });
    }
    const raw = await readBody(req);
    requests++;
    if (req.headers.authorization !== `Bearer ${config.channelAccessToken}`) {
      return reply(res, 401, {
        message: "Authentication failed. Confirm that the access token in the authorization header is valid.",
      });
    }
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) {
      return reply(res, 415, { message: "Unsupported Media Type" });
    }
    const retryKey = via === "push" ? (req.headers["x-line-retry-key"] as string | undefined) : undefined;
    if (retryKey !== undefined && !isUuid(retryKey)) {
      return reply(res, 400, { message: "The retry key must be a UUID" });
    }
    const before = retryKey ? accepted.get(retryKey) : undefined;
    if (before) {
      return reply(
        res,
        409,
        { message: "The retry key is already accepted", sentMessages: [{ id: before.messageId }] },
        { "x-line-accepted-request-id": before.requestId },
      );
    }
    const fault = faults.shift();
    if (fault) return reply(res, fault.status, fault.body);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return reply(res, 400, {
        message: "The request body has 1 error(s)",
        details: [{ message: "Invalid JSON", property: "" }],
      });
    }
    const { push, details } = via === "push" ? validatePush(body) : validateReply(body);
    if (!push)
      return reply(res, 400, { message: `The request body has ${details.length} error(s)`, details });
    if (via === "reply") {
      const token = replyTokens.get((push as ParsedPush & { replyToken: string }).replyToken);
      if (!token || token.used || Date.now() - token.issuedAt > REPLY_TOKEN_LIFE_MS) {
        return reply(res, 400, { message: "Invalid reply token" });
      }
      token.used = true;
      push.to = token.to;
    }
    const messageId = String(BigInt(`0x${randomBytes(7).toString("hex")}`));
    const requestId = randomBytes(16).toString("hex");
    if (retryKey) remember(accepted, retryKey, { requestId, messageId });
    pushes.push({
      ...push,
      via,
      messageId,
      retryKey,
      headers: { ...req.headers } as Record<string, string | undefined>,
      body,
      receivedAt: Date.now(),
    });
    keepNewest(pushes);
    for (const wake of waiters) wake();
    if (drops > 0) {
      drops--;
      req.socket.destroy();
      return;
    }
    reply(res, 200, { sentMessages: [{ id: messageId, quoteToken: randomBytes(24).toString("base64url") }] });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, { message: "simulator error" });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.apiBaseUrl = url;

  return {
    url,
    config,
    pushes,
    get requests() {
      return requests;
    },
    waitForPush(predicate, timeoutMs = 10_000) {
      return waitForMatch(pushes, waiters, predicate, timeoutMs, "LINE simulator");
    },
    failNext(n, status, body) {
      for (let i = 0; i < n; i++) faults.push({ status, body });
    },
    dropNextAfterAccept(n) {
      drops += n;
    },
    issueReplyToken(to, issuedAt = Date.now()) {
      // Lapsed tokens are forgotten (oldest first, in issue order): a load of webhooks holds none.
      for (const [old, { issuedAt: at }] of replyTokens) {
        if (Date.now() - at <= REPLY_TOKEN_LIFE_MS) break;
        replyTokens.delete(old);
      }
      const token = randomBytes(16).toString("hex");
      replyTokens.set(token, { to, issuedAt, used: false });
      return token;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
