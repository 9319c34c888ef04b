import { promises as dns } from "node:dns";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createAddressPolicy } from "../../src/core/address-policy.js";
import { createGuardedHttp } from "../../src/core/guarded-http.js";
import { createEffects } from "../../src/queue/effects.js";
import { createCustomer } from "../../src/sandbox/stack.js";
import type { Stack } from "../helpers/in-process.js";

/**
 * What the `http` step tests share: a real HTTP server on loopback that records what it was
 * sent, the flows and helpers that drive it through the real engine, worker and store.
 * DNS is a fixed table (`resolveHost`), so names resolve the same everywhere:
 * `api.test` → 127.0.0.1 (the server), `internal.test` → 127.0.0.2 (a loopback address that is
 * not allowed). Nothing here connects anywhere but 127.0.0.1.
 */
export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export const TOKEN = "s3cret-bearer-token-123";
export let server: http.Server;
export let port: number;
export const seen: Seen[] = [];
export const submitAttempts = new Map<string, number>();

export function startServer(): Promise<void> {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, at: Date.now() });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(value));
      };
      const path = (req.url ?? "").split("?")[0];
      if (path === "/v1/orders/A-17") {
        return json(200, { order: { id: "A-17", status: "shipped", items: [{ sku: "SKU-9" }] } });
      }
      if (path === "/submit") {
        const key = String(req.headers["idempotency-key"]);
        const n = (submitAttempts.get(key) ?? 0) + 1;
        submitAttempts.set(key, n);
        if (n === 1) return json(503, { error: "busy" });
        if (n === 2) return json(503, { error: "still busy" }, { "retry-after": "1" });
        return json(201, { ticket: "T-1001" });
      }
      if (path === "/missing") return json(404, { error: "no such order" });
      // An API that echoes the request (httpbin's /anything, an "invalid key: …" error).
      if (path === "/v1/echo") {
        const auth = String(req.headers.authorization);
        return json(
          401,
          { headers: req.headers, error: `invalid token ${auth.slice(7)}` },
          { "x-seen": auth },
        );
      }
      if (path === "/big") return json(200, { blob: "x".repeat(1_100_000) });
      if (path === "/subscribe") return json(200, { received: body, type: req.headers["content-type"] });
      if (path === "/slow") {
        const timer = setTimeout(() => json(200, { late: true }), 10_000);
        res.on("close", () => clearTimeout(timer));
        return;
      }
      if (path === "/to-internal") {
        res.writeHead(302, { location: `http://internal.test:${port}/v1/orders/A-17` });
        return res.end();
      }
      if (path === "/to-other-origin") {
        res.writeHead(303, { location: `http://api.test:${port}/landed` });
        return res.end();
      }
      if (path === "/loop") {
        res.writeHead(302, { location: "/loop" });
        return res.end();
      }
      if (path === "/rate-limited") return json(429, { error: "slow down" }, { "retry-after": "120" });
      if (path === "/to-metadata") {
        res.writeHead(307, { location: "http://169.254.169.254/latest/meta-data/" });
        return res.end();
      }
      json(200, { ok: true });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      port = (server.address() as AddressInfo).port;
      resolve();
    });
  });
}

/** The fixed table, and the system resolver for names not in it (`localhost`). */
export const resolveOrSystem = async (hostname: string): Promise<string[]> => {
  if (hostname === "private.test") return ["10.1.2.3"];
  return hostname.endsWith(".test")
    ? resolveHost(hostname)
    : (await dns.lookup(hostname, { all: true })).map((a) => a.address);
};

export function effectsOn(stack: Stack) {
  return createEffects(
    {
      store: stack.tern.store,
      clock: { now: () => Date.now() },
      fetch: () => Promise.reject(new Error("not used")),
      sleep: async () => {},
      connector: async () => {
        throw new Error("a recorded answer needs no connection");
      },
      http: createGuardedHttp({
        policy: createAddressPolicy({ allow: ["127.0.0.1"] }),
        resolve: resolveHost,
      }),
    },
    {
      runId: "run_replay",
      channel: { id: "ch_none", definition: {} as never, config: {} },
      contact: { id: "ct_none", address: "0" },
    },
  );
}

export const resolveHost = async (hostname: string): Promise<string[]> => {
  const table: Record<string, string[]> = { "api.test": ["127.0.0.1"], "internal.test": ["127.0.0.2"] };
  const found = table[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return found;
};

/** Whatever the customer says is the URL the flow calls; the answer or the error comes back. */
export const probeSteps = [
  {
    id: "probe",
    type: "http",
    url: "{{ message.text }}",
    retries: 0,
    next: "probe_ok",
    onError: "probe_failed",
  },
  { id: "probe_ok", type: "send", text: "OK {{ steps.probe.status }}" },
  { id: "probe_failed", type: "send", text: "{{ steps.probe.error.code }}: {{ steps.probe.error.message }}" },
];

export function flowFor(port: number) {
  const is = (text: string, next: string) => ({
    when: { left: "message.text", op: "eq", right: text },
    next,
  });
  return {
    schema: "tern.flow/v1",
    name: "HTTP step",
    trigger: { type: "message", channels: ["whatsapp"] },
    steps: [
      {
        id: "route",
        type: "branch",
        conditions: [
          is("order", "lookup"),
          is("submit", "submit"),
          is("missing", "missing"),
          is("slow", "slow"),
          is("subscribe", "subscribe"),
          is("echo", "echo"),
          is("order by path", "lookup_by_path"),
        ],
        else: "probe",
      },
      {
        id: "lookup",
        type: "http",
        connection: "orders_api",
        url: "orders/A-17?name={{ contact.name | url_encode }}",
        headers: { Accept: "application/json" },
        save: "order",
        map: { orderStatus: "body.order.status", firstSku: "body.order.items[0].sku", code: "status" },
        next: "tell",
      },
      {
        // A path from the root is under the connection's baseUrl (…/v1/orders/A-17), as axios joins them.
        id: "lookup_by_path",
        type: "http",
        connection: "orders_api",
        url: "/orders/A-17",
        save: "order",
        map: { orderStatus: "body.order.status", firstSku: "body.order.items[0].sku", code: "status" },
        next: "tell",
      },
      {
        id: "tell",
        type: "send",
        text: "Your order is {{ vars.orderStatus }} ({{ vars.firstSku }}, HTTP {{ vars.code }}, {{ vars.order.body.order.id }})",
      },
      {
        id: "submit",
        type: "http",
        method: "POST",
        url: `http://api.test:${port}/submit`,
        json: { name: "{{ contact.name }}", quantity: 3, text: "{{ message.text }}" },
        retries: 3,
        map: { ticket: "body.ticket" },
        next: "submitted",
      },
      { id: "submitted", type: "send", text: "Ticket {{ vars.ticket }}" },
      {
        id: "missing",
        type: "http",
        url: `http://api.test:${port}/missing`,
        retries: 3,
        onError: "missing_failed",
      },
      {
        id: "missing_failed",
        type: "send",
        text: "{{ steps.missing.error.code }} {{ steps.missing.error.status }} {{ steps.missing.error.body.error }}",
      },
      {
        id: "slow",
        type: "http",
        url: `http://api.test:${port}/slow`,
        timeout: "PT0.3S",
        retries: 0,
        onError: "slow_failed",
      },
      {
        id: "slow_failed",
        type: "send",
        text: "{{ steps.slow.error.code }}: {{ steps.slow.error.message }}",
      },
      {
        id: "subscribe",
        type: "http",
        method: "POST",
        url: `http://api.test:${port}/subscribe`,
        form: { email: "ada@example.com", name: "{{ contact.name }}" },
        next: "subscribed",
      },
      {
        id: "subscribed",
        type: "send",
        text: "{{ steps.subscribe.body.type }} {{ steps.subscribe.body.received }}",
      },
      {
        id: "echo",
        type: "http",
        connection: "orders_api",
        url: "echo",
        retries: 0,
        onError: "echoed",
      },
      { id: "echoed", type: "send", text: "{{ steps.echo.error.body.error }}" },
      ...probeSteps,
    ],
  };
}

export let phone = 33700000000;
export async function ask(stack: Stack, text: string): Promise<string> {
  const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, String(++phone));
  await customer.say(text);
  const replies = await customer.waitForReplies(1);
  return replies[0]?.text ?? "";
}

export const stopServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
