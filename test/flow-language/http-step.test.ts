import { promises as dns } from "node:dns";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeHttp, HttpConnectionConfig } from "../../src/connectors/http/index.js";
import { createAddressPolicy } from "../../src/core/address-policy.js";
import { createGuardedHttp } from "../../src/core/guarded-http.js";
import { engine, flowOf } from "../../src/flows/testing/engine-fixtures.js";
import { createFakeHost, type FakeHost } from "../../src/flows/testing/fake-host.js";
import { validateFlow } from "../../src/flows/validate.js";
import { createEffects } from "../../src/queue/effects.js";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * The `http` step through the real engine, worker and store, against a real HTTP server on
 * loopback. DNS is a fixed table (`resolveHost`), so names resolve the same everywhere:
 * `api.test` → 127.0.0.1 (the server), `internal.test` → 127.0.0.2 (a loopback address that is
 * not allowed). Nothing here connects anywhere but 127.0.0.1.
 */

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

const TOKEN = "s3cret-bearer-token-123";
let server: http.Server;
let port: number;
const seen: Seen[] = [];
const submitAttempts = new Map<string, number>();

function startServer(): Promise<void> {
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
const resolveOrSystem = async (hostname: string): Promise<string[]> => {
  if (hostname === "private.test") return ["10.1.2.3"];
  return hostname.endsWith(".test")
    ? resolveHost(hostname)
    : (await dns.lookup(hostname, { all: true })).map((a) => a.address);
};

function effectsOn(stack: Stack) {
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

const resolveHost = async (hostname: string): Promise<string[]> => {
  const table: Record<string, string[]> = { "api.test": ["127.0.0.1"], "internal.test": ["127.0.0.2"] };
  const found = table[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return found;
};

/** Whatever the customer says is the URL the flow calls; the answer or the error comes back. */
const probeSteps = [
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

function flowFor(port: number) {
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
          is("sf", "wrong_connection"),
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
        id: "wrong_connection",
        type: "http",
        connection: "salesforce",
        url: `http://api.test:${port}/anything`,
        onError: "wrong_connection_failed",
      },
      {
        id: "wrong_connection_failed",
        type: "send",
        text: "{{ steps.wrong_connection.error.code }}: {{ steps.wrong_connection.error.message }}",
      },
      ...probeSteps,
    ],
  };
}

let phone = 33700000000;
async function ask(stack: Stack, text: string): Promise<string> {
  const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, String(++phone));
  await customer.say(text);
  const replies = await customer.waitForReplies(1);
  return replies[0]?.text ?? "";
}

beforeAll(startServer);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the http step where configuration allows the loopback server (TERN_HTTP_ALLOW=127.0.0.1)", () => {
  let stack: Stack;
  let connectionId: string;
  beforeAll(async () => {
    stack = await startStack({ env: { TERN_HTTP_ALLOW: "127.0.0.1" }, resolveHost });
    const created = await stack.http("POST", "/api/v1/connections", {
      type: "http",
      name: "orders_api",
      config: { auth: "bearer", baseUrl: `http://127.0.0.1:${port}/v1`, token: TOKEN },
    });
    expect(created.status).toBe(201);
    connectionId = ((await created.json()) as { id: string }).id;
    // Publishing checks the installation: the flow is published once its connection exists.
    const { flowId } = stack.setup;
    const imported = await stack.http("PUT", `/api/v1/flows/${flowId}`, flowFor(port));
    expect(imported.status).toBe(201);
    const { version } = (await imported.json()) as { version: number };
    expect((await stack.http("POST", `/api/v1/flows/${flowId}/publish`, { version })).status).toBe(200);
  });
  afterAll(async () => {
    await stack.close();
  });

  it("calls the API with the connection's token and maps the answer into variables a later send uses", async () => {
    expect(await ask(stack, "order")).toBe("Your order is shipped (SKU-9, HTTP 200, A-17)");
    const request = seen.find((r) => r.url.startsWith("/v1/orders/A-17"));
    expect(request?.url).toBe("/v1/orders/A-17?name=Ada+Lovelace");
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers.accept).toBe("application/json");
    // The effect key travels as the idempotency key: run id, visit, effect number.
    expect(request?.headers["idempotency-key"]).toMatch(/^run_.+:\d+:0$/);

    // The secret is in neither the run history nor the API.
    const runs = await stack.tern.store.runs.list({});
    const run = runs.find((r) => (r.state.steps as Record<string, unknown>).lookup !== undefined);
    expect(JSON.stringify(run?.state)).not.toContain(TOKEN);
    const history = await stack.http("GET", `/api/v1/runs/${run?.id}`);
    const historyText = await history.text();
    expect(historyText).toContain("orders/A-17");
    expect(historyText).not.toContain(TOKEN);
    const connection = await (await stack.http("GET", `/api/v1/connections/${connectionId}`)).text();
    expect(connection).not.toContain(TOKEN);
    expect(connection).toContain(`http://127.0.0.1:${port}/v1`);
  });

  it("an http connection is validated by the API: https only (http on loopback), a known auth", async () => {
    const bad = await stack.http("POST", "/api/v1/connections", {
      type: "http",
      name: "leaky",
      config: { auth: "bearer", baseUrl: "http://api.example.com", token: "t" },
    });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toContain("$.config.baseUrl");
    const unknownAuth = await stack.http("POST", "/api/v1/connections", {
      type: "http",
      name: "odd",
      config: { auth: "digest", baseUrl: "https://api.example.com" },
    });
    expect(unknownAuth.status).toBe(422);
    const list = await (await stack.http("GET", "/api/v1/connections")).text();
    expect(list).toContain("orders_api");
    expect(list).not.toContain(TOKEN);
  });

  it("retries a 503 with back-off, honours Retry-After, then succeeds with the same idempotency key", async () => {
    expect(await ask(stack, "submit")).toBe("Ticket T-1001");
    const attempts = seen.filter((r) => r.url === "/submit");
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(JSON.parse(attempts[0]?.body ?? "")).toEqual({
      name: "Ada Lovelace",
      quantity: 3,
      text: "submit",
    });
    expect(attempts[0]?.headers["content-type"]).toBe("application/json");
    // The second 503 said Retry-After: 1.
    expect((attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("does not retry a 404: the step fails with the status, which onError can use", async () => {
    expect(await ask(stack, "missing")).toBe("HTTP_STATUS 404 no such order");
    expect(seen.filter((r) => r.url === "/missing")).toHaveLength(1);
  });

  it("fails with HTTP_TIMEOUT when the answer does not come within the step's timeout", async () => {
    const startedAt = Date.now();
    expect(await ask(stack, "slow")).toBe(`HTTP_TIMEOUT: No complete answer from api.test:${port} in time`);
    // Well before the server's answer at 10 s.
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it("refuses a host that resolves to a loopback address that is not allowed", async () => {
    const reply = await ask(stack, `http://internal.test:${port}/v1/orders/A-17`);
    expect(reply).toMatch(
      /^HTTP_ADDRESS_REFUSED: Refused to connect to internal\.test:\d+: 127\.0\.0\.2 is a loopback/,
    );
  });

  it("checks every redirect: an allowed host redirecting to a private or metadata address is refused", async () => {
    const before = seen.length;
    expect(await ask(stack, `http://api.test:${port}/to-internal`)).toMatch(
      /^HTTP_ADDRESS_REFUSED: Refused to connect to internal\.test:\d+ \(redirected from api\.test:\d+\): 127\.0\.0\.2 is a loopback address/,
    );
    expect(await ask(stack, `http://api.test:${port}/to-metadata`)).toMatch(
      /^HTTP_ADDRESS_REFUSED: .*169\.254\.169\.254 is a cloud metadata address/,
    );
    // Only the two redirecting requests reached the server.
    expect(seen.slice(before).map((r) => r.url)).toEqual(["/to-internal", "/to-metadata"]);
  });

  it("sends a form body", async () => {
    expect(await ask(stack, "subscribe")).toBe(
      "application/x-www-form-urlencoded email=ada%40example.com&name=Ada+Lovelace",
    );
  });

  it("refuses an answer larger than 1 MB", async () => {
    expect(await ask(stack, `http://api.test:${port}/big`)).toBe(
      `HTTP_RESPONSE_TOO_LARGE: The answer from api.test:${port} is larger than 1048576 bytes`,
    );
  });

  it("a connection that is not an http connection cannot authenticate a request", async () => {
    expect(await ask(stack, "sf")).toMatch(
      /^CONNECTION_INVALID: Connection "salesforce" cannot authenticate HTTP/,
    );
  });

  it("validation reports a step whose URL is on another host than its connection's baseUrl", async () => {
    const flow = {
      schema: "tern.flow/v1",
      name: "Leaky",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [
        {
          id: "ok",
          type: "http",
          connection: "orders_api",
          url: `http://127.0.0.1:${port}/v1/x`,
          next: "leak",
        },
        { id: "leak", type: "http", connection: "orders_api", url: "https://collector.example/{{ vars.x }}" },
      ],
    };
    const res = await stack.http("POST", "/api/v1/flows/validate", flow);
    const body = (await res.json()) as { valid: boolean; errors: Array<{ path: string; message: string }> };
    expect(body.valid).toBe(false);
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: "$.steps[1].url",
        message: expect.stringContaining(
          `sends its credentials only to URLs under http://127.0.0.1:${port}/v1/`,
        ),
      }),
    ]);
  });

  it("a step re-executed after a crash takes the recorded answer from the outbox instead of calling again", async () => {
    const flow = flowOf([
      {
        id: "lookup",
        type: "http",
        url: `http://api.test:${port}/v1/orders/A-17`,
        map: { orderStatus: "body.order.status" },
        next: "tell",
      },
      { id: "tell", type: "send", text: "Order {{ vars.orderStatus }}" },
    ]);
    const host = createFakeHost();
    host.effects = { ...host.effects, http: effectsOn(stack).http };
    const initial = engine.newRun("run_crash_replay", flow, 1, "flow_1");
    const before = seen.length;
    // The process dies after the request, before the step's state is stored.
    const dying: FakeHost = { ...host, persist: () => Promise.reject(new Error("process died")) };
    await expect(engine.advance(flow, initial, { type: "continue" }, dying)).rejects.toThrow("process died");
    expect(seen.length).toBe(before + 1);
    await eventually(
      async () => (await stack.tern.store.effects.get("run_crash_replay:1:0"))?.status === "done",
    );

    const state = await engine.advance(flow, initial, { type: "continue" }, host);
    expect(state.status).toBe("completed");
    expect(host.sent.map((m) => m.text)).toEqual(["Order shipped"]);
    expect(seen.length).toBe(before + 1);
  });

  it("does not wait out a Retry-After longer than 30 s: the 429 is the answer", async () => {
    const before = seen.length;
    const answer = await effectsOn(stack).http?.("run_rate:1:0", {
      method: "GET",
      url: `http://api.test:${port}/rate-limited`,
      headers: {},
      timeoutMs: 1_000,
      retries: 3,
    });
    expect(answer?.status).toBe(429);
    expect(seen.length).toBe(before + 1);
  });

  it("a replayed step reuses the recorded answer; an answer lost in flight is asked for again with the same key", async () => {
    const effects = effectsOn(stack);
    // The order lookup above finished: its answer is in the outbox under the key it was sent with.
    const key = String(seen.find((r) => r.url.startsWith("/v1/orders/A-17"))?.headers["idempotency-key"]);
    const before = seen.length;
    const replayed = await effects.http?.(key, {
      method: "GET",
      url: "orders/A-17",
      headers: {},
      connection: "orders_api",
      timeoutMs: 1_000,
      retries: 0,
    });
    expect(replayed?.status).toBe(200);
    expect(JSON.parse(replayed?.body ?? "").order.status).toBe("shipped");
    expect(seen.length).toBe(before);

    // A crash with the request in flight: the intent is recorded, the answer is not.
    const lost = "run_crashed:4:0";
    await stack.tern.store.write((tx) => tx.effects.begin(lost, "http", Date.now()));
    const request = {
      method: "POST",
      url: `http://api.test:${port}/echo`,
      headers: { "content-type": "application/json" },
      body: "{}",
      timeoutMs: 1_000,
      retries: 0,
    };
    expect((await effects.http?.(lost, request))?.status).toBe(200);
    expect(seen.slice(before).map((r) => [r.url, r.headers["idempotency-key"]])).toEqual([["/echo", lost]]);
    await eventually(async () => (await stack.tern.store.effects.get(lost))?.status === "done");
    await effects.http?.(lost, request);
    expect(seen.length).toBe(before + 1);
  });
});

describe("the http step by default (no TERN_HTTP_ALLOW*)", () => {
  let stack: Stack;
  beforeAll(async () => {
    const flow = {
      schema: "tern.flow/v1",
      name: "Probe",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: probeSteps,
    };
    stack = await startStack({ flow, resolveHost: resolveOrSystem });
  });
  afterAll(async () => {
    await stack.close();
  });

  it.each([
    ["loopback", () => `http://127.0.0.1:${port}/`, "127.0.0.1 is a loopback address"],
    [
      "cloud metadata",
      () => "http://169.254.169.254/latest/meta-data/",
      "169.254.169.254 is a cloud metadata address",
    ],
    [
      "a name that resolves to a private address",
      () => `http://private.test:${port}/`,
      "10.1.2.3 is a private (RFC 1918) address",
    ],
    ["localhost, through the system resolver", () => `http://localhost:${port}/`, "is a loopback address"],
    [
      "IPv4-mapped IPv6 loopback",
      () => `http://[::ffff:127.0.0.1]:${port}/`,
      "127.0.0.1 is a loopback address",
    ],
    ["decimal loopback", () => `http://2130706433:${port}/`, "127.0.0.1 is a loopback address"],
    ["octal and hex loopback", () => `http://0177.0.0.0x1:${port}/`, "127.0.0.1 is a loopback address"],
    ["the unspecified address", () => `http://0.0.0.0:${port}/`, "0.0.0.0 is an unspecified address"],
    ["carrier-grade NAT", () => "http://100.64.0.1/", "100.64.0.1 is a carrier-grade NAT"],
    ["IPv6 link-local", () => "http://[fe80::1]/", "fe80::1 is a link-local address"],
  ])("refuses %s", async (_what, url, why) => {
    const before = seen.length;
    const reply = await ask(stack, url());
    expect(reply).toMatch(/^HTTP_ADDRESS_REFUSED: Refused to connect to /);
    expect(reply).toContain(why);
    expect(reply).toContain("TERN_HTTP_ALLOW_PRIVATE=true");
    expect(seen.length).toBe(before);
  });
});

describe("the guarded client", () => {
  it("drops credentials on a redirect to another origin, and a 303 continues as a GET without the body", async () => {
    const client = createGuardedHttp({
      policy: createAddressPolicy({ allow: ["127.0.0.1"] }),
      resolve: resolveHost,
    });
    const before = seen.length;
    const answer = await client({
      method: "POST",
      url: `http://127.0.0.1:${port}/to-other-origin`,
      headers: { cookie: "session=1", "x-keep": "yes", "content-type": "application/json" },
      body: "{}",
      credentialHeaders: { authorization: "Bearer connection-secret" },
      timeoutMs: 2_000,
    });
    expect(answer.url).toBe(`http://api.test:${port}/landed`);
    const [first, second] = seen.slice(before);
    expect(first?.headers.authorization).toBe("Bearer connection-secret");
    expect(second).toMatchObject({ method: "GET", url: "/landed", body: "" });
    expect(second?.headers.authorization).toBeUndefined();
    expect(second?.headers.cookie).toBeUndefined();
    expect(second?.headers["x-keep"]).toBe("yes");
  });
});

describe("retries and redirects, bounded", () => {
  const client = () =>
    createGuardedHttp({ policy: createAddressPolicy({ allow: ["127.0.0.1"] }), resolve: resolveHost });

  it("refuses a header value that would split the header (a customer's words templated into it)", async () => {
    const before = seen.length;
    await expect(
      client()({
        method: "GET",
        url: `http://api.test:${port}/`,
        headers: { "x-said": "hello\r\nx-admin: true" },
        timeoutMs: 2_000,
      }),
    ).rejects.toMatchObject({ code: "HTTP_REQUEST_INVALID", message: expect.stringContaining('"x-said"') });
    expect(seen.length).toBe(before);
  });

  it("stops after 5 redirects", async () => {
    const before = seen.length;
    await expect(
      client()({ method: "GET", url: `http://api.test:${port}/loop`, headers: {}, timeoutMs: 2_000 }),
    ).rejects.toMatchObject({
      code: "HTTP_REDIRECT_INVALID",
      message: expect.stringContaining("more than 5 times"),
    });
    expect(seen.length - before).toBe(6);
  });
});

describe("an http step in a flow file", () => {
  const withStep = (step: Record<string, unknown>) =>
    validateFlow({
      schema: "tern.flow/v1",
      name: "x",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [{ id: "call", type: "http", url: "https://api.example.com/x", ...step }],
    });

  it("is valid with defaults applied: GET, 2 retries", () => {
    const result = withStep({});
    expect(result.errors).toEqual([]);
    expect(result.flow?.steps[0]).toMatchObject({ method: "GET", retries: 2 });
  });

  it.each([
    [{ method: "POST", json: {}, form: {} }, "$.steps[0].form", "either json or form"],
    [{ json: { a: 1 } }, "$.steps[0].method", "a GET request has no body"],
    [{ timeout: "PT2M" }, "$.steps[0].timeout", "at most PT1M"],
    [{ retries: 9 }, "$.steps[0].retries", ""],
    [{ map: { x: "body..y" } }, "$.steps[0].map.x", "a path into the answer"],
    [{ method: "TRACE" }, "$.steps[0].method", ""],
  ])("reports %j", (step, path, message) => {
    const result = withStep(step);
    expect(result.valid).toBe(false);
    expect(result.errors.find((e) => e.path === path)?.message).toContain(message);
  });
});

describe("an http connection", () => {
  it("sends its credentials only to URLs under its baseUrl", () => {
    const config = {
      auth: "header" as const,
      baseUrl: "https://api.example.com/v2",
      header: "X-API-Key",
      value: "k",
    };
    expect(authorizeHttp(config, "orders/1")).toEqual({
      url: "https://api.example.com/v2/orders/1",
      headers: { "x-api-key": "k" },
    });
    expect(authorizeHttp(config, "https://api.example.com/v2").url).toBe("https://api.example.com/v2");
    for (const url of [
      "https://evil.example/v2/orders",
      "https://api.example.com/v1/x",
      "/admin",
      "http://api.example.com/v2/x",
    ]) {
      expect(() => authorizeHttp(config, url)).toThrow(
        /only to URLs under https:\/\/api\.example\.com\/v2\//,
      );
    }
  });

  it("is refused over plain http to a host that is not loopback, and keeps its secrets out of the API", async () => {
    const parsed = HttpConnectionConfig.safeParse({
      auth: "bearer",
      baseUrl: "http://api.example.com",
      token: "t",
    });
    expect(parsed.success).toBe(false);
  });
});
