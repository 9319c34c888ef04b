import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RcsConfig } from "../../channels/rcs/config.js";
import { E164_PATTERN } from "../../channels/rcs/limits.js";
import { keepNewest, rememberKey } from "../bounded.js";
import { waitForMatch } from "../wait-for-match.js";
import { checkAssertion, type Suggestion, validateAgentMessage } from "./validate.js";

/**
 * A loopback stand-in for RCS Business Messaging and Google's OAuth token endpoint, for tests,
 * `tern demo` and benchmarks.
 * - `POST /token`: the JWT bearer grant; the assertion's RS256 signature is checked with the
 *   public key of the service account key the simulator generated, and its claims (iss, aud,
 *   scope, iat/exp at most an hour). Errors as Google's `{error, error_description}`.
 *   https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 * - `POST /v1/phones/{E.164}/agentMessages?messageId=<uuid>&agentId=…`: Bearer token, the
 *   AgentMessage checked against the documented limits, a phone marked not RCS-capable answers
 *   404 NOT_FOUND, a repeated messageId is ignored (answered, not delivered again). Errors as
 *   Google's `{"error":{code,message,status}}`.
 *   https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages/create
 */
export interface RcsSend {
  phone: string;
  messageId: string;
  text: string;
  /** Suggested replies in order: chip text and postback data. */
  suggestions: Suggestion[];
  /** The rich card's media URL, when the message was one. */
  mediaUrl?: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: unknown;
  receivedAt: number;
}

export interface RcsSimulator {
  url: string;
  config: RcsConfig;
  sends: RcsSend[];
  /** Every agentMessages request that reached the endpoint (refused and repeated included). */
  requests: number;
  /** Access tokens issued. */
  tokensIssued: number;
  waitForSend(predicate: (send: RcsSend) => boolean, timeoutMs?: number): Promise<RcsSend>;
  /** Sends to this phone answer 404 NOT_FOUND, as for a device without RCS. */
  markNotRcsCapable(phone: string): void;
  failNext(n: number, status: number, body: unknown, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function reply(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
  res.end(JSON.stringify(payload));
}

function googleError(res: ServerResponse, code: number, status: string, message: string): void {
  reply(res, code, { error: { code, message, status } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startRcsSimulator(options: { port?: number } = {}): Promise<RcsSimulator> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const verifyKey = publicKey;
  const agentId = `tern-sim-${randomBytes(4).toString("hex")}_agent`;
  const config: RcsConfig = {
    agentId,
    serviceAccountKey: {
      type: "service_account",
      project_id: "rbm-sim",
      private_key_id: randomBytes(20).toString("hex"),
      private_key: pem,
      client_email: `rbm-sim@rbm-sim.iam.gserviceaccount.com`,
      token_uri: "",
    },
    clientToken: randomBytes(12).toString("hex").toUpperCase(),
    apiBaseUrl: "",
  };
  const tokens = new Map<string, number>();
  const sends: RcsSend[] = [];
  const accepted = new Set<string>();
  const notCapable = new Set<string>();
  const faults: Array<{ status: number; body: unknown; headers: Record<string, string> }> = [];
  const waiters = new Set<() => void>();
  let requests = 0;
  let tokensIssued = 0;

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return reply(res, 400, {
        error: "invalid_request",
        error_description: "Content-Type must be application/x-www-form-urlencoded",
      });
    }
    const form = new URLSearchParams(raw);
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return reply(res, 400, { error: "unsupported_grant_type", error_description: "Invalid grant_type: " });
    }
    const refused = checkAssertion(
      form.get("assertion") ?? "",
      verifyKey,
      { iss: config.serviceAccountKey.client_email, aud: config.serviceAccountKey.token_uri },
      Math.floor(Date.now() / 1000),
    );
    if (refused) return reply(res, 400, { error: "invalid_grant", error_description: refused });
    const accessToken = `ya29.sim-${randomBytes(24).toString("base64url")}`;
    tokens.set(accessToken, Date.now() + 3_599_000);
    tokensIssued++;
    reply(res, 200, { access_token: accessToken, expires_in: 3599, token_type: "Bearer" });
  }

  async function agentMessage(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    phone: string,
  ): Promise<void> {
    const raw = await readBody(req);
    requests++;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const validUntil = bearer ? tokens.get(bearer) : undefined;
    if (!validUntil || validUntil < Date.now()) {
      return googleError(
        res,
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
      );
    }
    const messageId = url.searchParams.get("messageId") ?? "";
    if (url.searchParams.get("agentId") !== config.agentId) {
      return googleError(res, 403, "PERMISSION_DENIED", "The caller does not have permission");
    }
    if (!UUID.test(messageId)) return googleError(res, 400, "INVALID_ARGUMENT", "messageId must be a UUID");
    if (!E164_PATTERN.test(phone)) return googleError(res, 400, "INVALID_ARGUMENT", "Invalid phone number");
    const fault = faults.shift();
    if (fault) return reply(res, fault.status, fault.body, fault.headers);
    if (notCapable.has(phone)) return googleError(res, 404, "NOT_FOUND", "Requested entity was not found.");
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return googleError(res, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    }
    const checked = validateAgentMessage(body);
    if ("error" in checked) return googleError(res, 400, "INVALID_ARGUMENT", checked.error);
    const answer = {
      name: `phones/${phone}/agentMessages/${messageId}`,
      sendTime: new Date().toISOString(),
      ...(body as Json),
    };
    // "The RBM platform ignores any agent message sent with an ID that was used by an earlier message."
    if (accepted.has(messageId)) return reply(res, 200, answer);
    rememberKey(accepted, messageId);
    sends.push({
      phone,
      messageId,
      text: checked.text,
      suggestions: checked.suggestions,
      ...(checked.mediaUrl ? { mediaUrl: checked.mediaUrl } : {}),
      path: `${url.pathname}${url.search}`,
      headers: { ...req.headers } as Record<string, string | undefined>,
      body,
      receivedAt: Date.now(),
    });
    keepNewest(sends);
    for (const wake of waiters) wake();
    reply(res, 200, answer);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/token") return token(req, res);
    const match = /^\/v1\/phones\/([^/]+)\/agentMessages$/.exec(url.pathname);
    if (req.method === "POST" && match)
      return agentMessage(req, res, url, decodeURIComponent(match[1] ?? ""));
    req.resume();
    // A path the API does not have is answered by Google's front end with an HTML page, not the
    // API's JSON error (which means "no such phone" on agentMessages).
    const page = `<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That's an error.</ins><p>The requested URL <code>${url.pathname.replace(/[<>&"]/g, "")}</code> was not found on this server. <ins>That's all we know.</ins>`;
    res.writeHead(404, { "content-type": "text/html; charset=UTF-8" });
    res.end(page);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) googleError(res, 500, "INTERNAL", "simulator error");
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.apiBaseUrl = url;
  config.serviceAccountKey.token_uri = `${url}/token`;
  return {
    url,
    config,
    sends,
    get requests() {
      return requests;
    },
    get tokensIssued() {
      return tokensIssued;
    },
    waitForSend(predicate, timeoutMs = 10_000) {
      return waitForMatch(sends, waiters, predicate, timeoutMs, "RCS simulator");
    },
    markNotRcsCapable(phone) {
      notCapable.add(phone);
    },
    failNext(n, status, body, headers = {}) {
      for (let i = 0; i < n; i++) faults.push({ status, body, headers });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
