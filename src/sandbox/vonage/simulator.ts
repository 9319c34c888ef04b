import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { firstValues, readForm } from "../../channels/form-body.js";
import type { VonageConfig } from "../../channels/vonage/config.js";
import { keepNewest } from "../bounded.js";
import { waitForMatch } from "../wait-for-match.js";
import { newMessageId, receiptParams, signedWebhook, type VonageWebhookMethod } from "./webhooks.js";

/**
 * A loopback stand-in for the Vonage SMS API send endpoint, for tests, `tern demo` and
 * benchmarks: `POST /sms/json` with api_key/api_secret in a form or JSON body, answered 200
 * `{"message-count", messages:[{to, message-id, status:"0", …}]}` — or, as Vonage does, 200 with a
 * non-zero `status` and `error-text` for what it refuses (sms.yml `x-errors`).
 * https://developer.vonage.com/en/api/sms#send-an-sms
 */
export interface VonageSms {
  messageId: string;
  to: string;
  from: string;
  text: string;
  type: string;
  clientRef: string | undefined;
  callback: string | undefined;
  path: string;
  headers: Record<string, string | undefined>;
  params: Record<string, string>;
  receivedAt: number;
}

export interface VonageSimulator {
  url: string;
  config: VonageConfig & { signatureMethod: NonNullable<VonageConfig["signatureMethod"]> };
  sent: VonageSms[];
  requests: number;
  /** The number's inbound SMS webhook as last set through `POST /number/update`. */
  readonly moHttpUrl: string | undefined;
  waitForSms(predicate: (sms: VonageSms) => boolean, timeoutMs?: number): Promise<VonageSms>;
  /** The next n sends are refused with this SMS API status ("1" throttled, "7" barred, …). */
  failNext(n: number, status: string, errorText?: string): void;
  /**
   * The account's delivery-receipt webhook (Dashboard → API settings): every accepted message gets
   * a signed `delivered` receipt there, echoing its client-ref, as Vonage posts them.
   */
  deliverReceiptsTo(url: string | null): void;
  /** The next n sends are accepted, then their connection is cut without an answer (a lost reply). */
  dropNextAfterAccept(n: number): void;
  /** Posts a signed delivery receipt for an accepted message to `url` (or its `callback`). Returns Tern's HTTP status. */
  postReceipt(
    messageId: string,
    status: string,
    options?: { errCode?: string; url?: string; method?: VonageWebhookMethod },
  ): Promise<number>;
  close(): Promise<void>;
}

const ERROR_TEXT: Record<string, string> = {
  "1": "Throttled",
  "2": "Missing to param",
  "3": "Invalid to param",
  "4": "Bad Credentials",
  "7": "Number barred.",
  "12": "Message too long",
  "15": "Illegal Sender Address - rejected",
};

function reply(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}

function refused(res: ServerResponse, status: string, errorText?: string): void {
  reply(res, 200, {
    "message-count": "1",
    messages: [{ status, "error-text": errorText ?? ERROR_TEXT[status] ?? "Error" }],
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function paramsOf(req: IncomingMessage, raw: string): Record<string, string> | null {
  if (String(req.headers["content-type"] ?? "").includes("json")) {
    try {
      const json: unknown = JSON.parse(raw);
      if (!json || typeof json !== "object" || Array.isArray(json)) return null;
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]));
    } catch {
      return null;
    }
  }
  return firstValues(readForm(raw));
}

export async function startVonageSimulator(options: { port?: number } = {}): Promise<VonageSimulator> {
  const config: VonageSimulator["config"] = {
    apiKey: randomBytes(4).toString("hex"),
    apiSecret: randomBytes(8).toString("hex"),
    signatureSecret: randomBytes(24).toString("base64url"),
    signatureMethod: "sha256",
    from: "447700900000",
    apiBaseUrl: "",
  };
  const sent: VonageSms[] = [];
  const faults: Array<{ status: string; errorText?: string }> = [];
  const waiters = new Set<() => void>();
  let requests = 0;
  let drops = 0;
  let receiptsUrl: string | null = null;
  /** The number's inbound webhook, as set through the Numbers API (setup). */
  let moHttpUrl: string | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/account/numbers" || path === "/number/update") return handleNumbers(req, res);
    if (req.method !== "POST" || path !== "/sms/json") {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("Not Found");
      return;
    }
    const raw = await readBody(req);
    requests++;
    const params = paramsOf(req, raw);
    if (!params?.api_key || !(params.api_secret || params.sig))
      return refused(res, "2", "Missing api_key or api_secret");
    if (params.api_key !== config.apiKey || params.api_secret !== config.apiSecret) return refused(res, "4");
    const fault = faults.shift();
    if (fault) return refused(res, fault.status, fault.errorText);
    if (!params.from) return refused(res, "2", "Missing from param");
    if (!params.to) return refused(res, "2", "Missing to param");
    if (!/^\d{7,15}$/.test(params.to)) return refused(res, "3", "Invalid to param");
    if (!params.text) return refused(res, "2", "Missing text param");
    if (params["client-ref"] && params["client-ref"].length > 40)
      return refused(res, "3", "Invalid client-ref param");
    const messageId = newMessageId();
    const sms: VonageSms = {
      messageId,
      to: params.to,
      from: params.from,
      text: params.text,
      type: params.type ?? "text",
      clientRef: params["client-ref"],
      callback: params.callback,
      path,
      headers: { ...req.headers } as Record<string, string | undefined>,
      params: { ...params, api_secret: "[redacted]" },
      receivedAt: Date.now(),
    };
    sent.push(sms);
    keepNewest(sent);
    for (const wake of waiters) wake();
    if (receiptsUrl) {
      const url = receiptsUrl;
      // Vonage posts the receipt once the carrier reports; shortly after the answer here.
      setTimeout(() => void postReceipt(messageId, "delivered", { url }).catch(() => undefined), 20);
    }
    if (drops > 0) {
      drops--;
      req.socket.destroy();
      return;
    }
    reply(res, 200, {
      "message-count": "1",
      messages: [
        {
          to: sms.to,
          "message-id": messageId,
          status: "0",
          "remaining-balance": "15.53590000",
          "message-price": "0.03330000",
          network: "23410",
          ...(sms.clientRef ? { "client-ref": sms.clientRef } : {}),
        },
      ],
    });
  }

  async function postReceipt(
    messageId: string,
    status: string,
    opts: { errCode?: string; url?: string; method?: VonageWebhookMethod } = {},
  ): Promise<number> {
    const sms = sent.find((s) => s.messageId === messageId);
    const target = opts.url ?? sms?.callback;
    if (!sms || !target) throw new Error(`Vonage simulator: no message ${messageId} with a receipt URL`);
    const params = receiptParams({
      apiKey: config.apiKey,
      messageId,
      msisdn: sms.to,
      to: sms.from,
      status,
      ...(opts.errCode ? { errCode: opts.errCode } : {}),
      ...(sms.clientRef ? { clientRef: sms.clientRef } : {}),
    });
    const request = signedWebhook(
      target,
      params,
      config.signatureSecret,
      config.signatureMethod,
      opts.method,
    );
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.method === "POST" ? { body: request.body } : {}),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /**
   * The account's one number (`config.from`, country GB): `GET /account/numbers` lists it,
   * `POST /number/update` sets its `moHttpUrl` after checking, as Vonage does, that a GET to the
   * URL answers 200. api_key / api_secret in the query string.
   * https://developer.vonage.com/en/api/numbers
   */
  async function handleNumbers(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const raw = await readBody(req);
    if (
      url.searchParams.get("api_key") !== config.apiKey ||
      url.searchParams.get("api_secret") !== config.apiSecret
    ) {
      return reply(res, 401, { "error-code": "401", "error-code-label": "authentication failed" });
    }
    const number = {
      country: "GB",
      msisdn: config.from,
      type: "mobile-lvn",
      features: ["VOICE", "SMS"],
      moHttpUrl: moHttpUrl ?? "",
    };
    if (req.method === "GET" && url.pathname === "/account/numbers") {
      const pattern = url.searchParams.get("pattern") ?? "";
      const numbers = config.from.startsWith(pattern) ? [number] : [];
      return reply(res, 200, { count: numbers.length, numbers });
    }
    if (req.method === "POST" && url.pathname === "/number/update") {
      const form = firstValues(readForm(raw));
      if (form.msisdn !== config.from || form.country !== "GB") {
        return reply(res, 420, {
          "error-code": "420",
          "error-code-label": "Numbers from this country can not be updated",
        });
      }
      if (form.moHttpUrl) {
        const probe = await fetch(form.moHttpUrl, { method: "GET" }).catch(() => null);
        await probe?.arrayBuffer();
        if (probe?.status !== 200) {
          return reply(res, 420, {
            "error-code": "420",
            "error-code-label": "moHttpUrl did not answer 200 OK",
          });
        }
      }
      moHttpUrl = form.moHttpUrl;
      return reply(res, 200, { "error-code": "200", "error-code-label": "success" });
    }
    return reply(res, 404, { "error-code": "404", "error-code-label": "not found" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refused(res, "5", "Internal Error");
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.apiBaseUrl = url;

  return {
    url,
    config,
    sent,
    get requests() {
      return requests;
    },
    get moHttpUrl() {
      return moHttpUrl;
    },
    waitForSms(predicate, timeoutMs = 10_000) {
      return waitForMatch(sent, waiters, predicate, timeoutMs, "Vonage simulator");
    },
    failNext(n, status, errorText) {
      for (let i = 0; i < n; i++) faults.push({ status, ...(errorText ? { errorText } : {}) });
    },
    postReceipt,
    deliverReceiptsTo(url) {
      receiptsUrl = url;
    },
    dropNextAfterAccept(n) {
      drops += n;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
