import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { WeChatConfig } from "../../channels/wechat/config.js";
import { keepNewest, remember } from "../bounded.js";
import { waitForMatch } from "../wait-for-match.js";

/**
 * A loopback stand-in for the WeChat Official Account API, for tests, `tern demo` and benchmarks:
 * the stable access-token endpoint (and the classic one) and the customer-service send. WeChat
 * answers HTTP 200 with `{errcode, errmsg}`; this does the same, with the codes of the docs.
 * Token: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html
 * Send: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
 * Global codes: https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html
 */
export interface WeChatCustomSend {
  /** Accepted sends before this one (WeChat answers no message id; this stands in for one). */
  seq: number;
  touser: string;
  content: string;
  accessToken: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: unknown;
  receivedAt: number;
}

export interface WeChatSimulator {
  url: string;
  /** Safe mode when `encodingAESKey` is set (the default); `mode: "plain"` leaves it out. */
  config: WeChatConfig;
  sends: WeChatCustomSend[];
  /** Access tokens handed out (stable_token calls that issued a new one, plus classic /token calls). */
  readonly tokensIssued: number;
  /** Token endpoint calls of any kind. */
  readonly tokenRequests: number;
  /** The customer wrote now: the 48-hour customer-service window opens for this openid. */
  customerWrote(openid: string): void;
  waitForSend(predicate: (send: WeChatCustomSend) => boolean, timeoutMs?: number): Promise<WeChatCustomSend>;
  /** Every issued token stops working (42001), as after its expires_in. */
  expireTokens(): void;
  /** The next n sends answer this errcode (e.g. -1 busy, 45047). */
  failNext(n: number, errcode: number, errmsg: string): void;
  close(): Promise<void>;
}

const WINDOW_MS = 48 * 3_600_000;
const TOKEN_SECONDS = 7200;

function reply(res: ServerResponse, payload: unknown): void {
  res.writeHead(200, { "content-type": "application/json; encoding=utf-8" });
  res.end(JSON.stringify(payload));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

export async function startWeChatSimulator(
  options: { mode?: "plain" | "safe"; port?: number } = {},
): Promise<WeChatSimulator> {
  const letters = () =>
    randomBytes(48)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "");
  const config: WeChatConfig = {
    appId: `wx${randomBytes(8).toString("hex")}`,
    appSecret: randomBytes(16).toString("hex"),
    token: letters().slice(0, 32),
    ...(options.mode === "plain" ? {} : { encodingAESKey: letters().slice(0, 43) }),
    apiBaseUrl: "",
  };
  const sends: WeChatCustomSend[] = [];
  let accepted = 0;
  /** token → expiry (ms); a token past it answers 42001, an unknown one 40001. */
  const tokens = new Map<string, number>();
  let stable: string | undefined;
  let tokensIssued = 0;
  let tokenRequests = 0;
  const lastWrote = new Map<string, number>();
  const faults: Array<{ errcode: number; errmsg: string }> = [];
  const waiters = new Set<() => void>();

  const issue = (): string => {
    const token = randomBytes(96)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "")
      .slice(0, 128);
    tokens.set(token, Date.now() + TOKEN_SECONDS * 1000);
    tokensIssued++;
    return token;
  };
  const credentialsError = (appid: unknown, secret: unknown) => {
    if (appid !== config.appId) return { errcode: 40013, errmsg: "invalid appid" };
    if (secret !== config.appSecret) return { errcode: 40125, errmsg: "invalid appsecret" };
    return undefined;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/cgi-bin/stable_token" && req.method === "POST") {
      tokenRequests++;
      const body = await readJson(req);
      if (!isObject(body) || body.grant_type !== "client_credential") {
        return reply(res, { errcode: 40002, errmsg: "invalid grant_type" });
      }
      const error = credentialsError(body.appid, body.secret);
      if (error) return reply(res, error);
      // Normal mode: the same token while it is valid; force_refresh replaces it.
      const current = stable ? tokens.get(stable) : undefined;
      if (!stable || body.force_refresh === true || current === undefined || current <= Date.now())
        stable = issue();
      const expiresIn = Math.max(1, Math.round(((tokens.get(stable) ?? 0) - Date.now()) / 1000));
      return reply(res, { access_token: stable, expires_in: expiresIn });
    }
    if (url.pathname === "/cgi-bin/token" && req.method === "GET") {
      tokenRequests++;
      if (url.searchParams.get("grant_type") !== "client_credential") {
        return reply(res, { errcode: 40002, errmsg: "invalid grant_type" });
      }
      const error = credentialsError(url.searchParams.get("appid"), url.searchParams.get("secret"));
      return reply(res, error ?? { access_token: issue(), expires_in: TOKEN_SECONDS });
    }
    if (url.pathname === "/cgi-bin/message/custom/send" && req.method === "POST") {
      return customSend(req, res, url);
    }
    reply(res, { errcode: 404, errmsg: "not found" });
  }

  async function customSend(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = await readJson(req);
    const accessToken = url.searchParams.get("access_token");
    if (!accessToken) return reply(res, { errcode: 41001, errmsg: "access_token missing" });
    const expiry = tokens.get(accessToken);
    if (expiry === undefined)
      return reply(res, {
        errcode: 40001,
        errmsg: "invalid credential, access_token is invalid or not latest",
      });
    if (expiry <= Date.now()) return reply(res, { errcode: 42001, errmsg: "access_token expired" });
    const fault = faults.shift();
    if (fault) return reply(res, fault);
    if (!isObject(body)) return reply(res, { errcode: 47001, errmsg: "data format error" });
    const { touser, msgtype, text } = body;
    if (typeof touser !== "string" || touser === "")
      return reply(res, { errcode: 40003, errmsg: "invalid openid" });
    if (msgtype !== "text") return reply(res, { errcode: 40008, errmsg: "invalid message type" });
    const content = isObject(text) ? text.content : undefined;
    if (typeof content !== "string" || content === "")
      return reply(res, { errcode: 44003, errmsg: "empty news data" });
    if (Buffer.byteLength(content, "utf8") > 2048)
      return reply(res, { errcode: 45002, errmsg: "content size out of limit" });
    const wrote = lastWrote.get(touser);
    if (wrote === undefined || Date.now() - wrote > WINDOW_MS) {
      return reply(res, { errcode: 45015, errmsg: "response out of time limit or subscription is canceled" });
    }
    sends.push({
      seq: accepted++,
      touser,
      content,
      accessToken,
      path: `${url.pathname}${url.search}`,
      headers: { ...req.headers } as Record<string, string | undefined>,
      body,
      receivedAt: Date.now(),
    });
    keepNewest(sends);
    for (const wake of waiters) wake();
    reply(res, { errcode: 0, errmsg: "ok" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, { errcode: -1, errmsg: "system error" });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.apiBaseUrl = url;

  return {
    url,
    config,
    sends,
    get tokensIssued() {
      return tokensIssued;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    customerWrote(openid) {
      remember(lastWrote, openid, Date.now());
    },
    waitForSend(predicate, timeoutMs = 10_000) {
      return waitForMatch(sends, waiters, predicate, timeoutMs, "WeChat simulator");
    },
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    failNext(n, errcode, errmsg) {
      for (let i = 0; i < n; i++) faults.push({ errcode, errmsg });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
