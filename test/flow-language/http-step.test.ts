import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engine, flowOf } from "../../src/flows/testing/engine-fixtures.js";
import { createFakeHost, type FakeHost } from "../../src/flows/testing/fake-host.js";
import { rowsMentioning } from "../helpers/db-inspect.js";
import {
  ask,
  effectsOn,
  flowFor,
  port,
  resolveHost,
  seen,
  startServer,
  stopServer,
  TOKEN,
} from "../helpers/http-step-fixtures.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * The `http` step through the real engine, worker and store, against a real HTTP server on
 * loopback. DNS is a fixed table (`resolveHost`), so names resolve the same everywhere:
 * `api.test` → 127.0.0.1 (the server), `internal.test` → 127.0.0.2 (a loopback address that is
 * not allowed). Nothing here connects anywhere but 127.0.0.1.
 */

beforeAll(startServer);
afterAll(stopServer);

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

  it("a connection's step URL written from the root (/orders/A-17) is a path under its baseUrl", async () => {
    expect(await ask(stack, "order by path")).toBe("Your order is shipped (SKU-9, HTTP 200, A-17)");
    const request = seen.findLast((r) => r.url.startsWith("/v1/orders/A-17"));
    expect(request?.url).toBe("/v1/orders/A-17");
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("an API that echoes the connection's token: the answer keeps it out of the run, its history and the database", async () => {
    expect(await ask(stack, "echo")).toBe("invalid token [redacted]");
    expect(seen.find((r) => r.url === "/v1/echo")?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const run = (await stack.tern.store.runs.list({})).find(
      (r) => (r.state.steps as Record<string, unknown>).echo !== undefined,
    );
    const history = await (await stack.http("GET", `/api/v1/runs/${run?.id}`)).text();
    expect(history).toContain("invalid token [redacted]");
    expect(history).not.toContain(TOKEN);
    expect(await rowsMentioning(stack.database, [TOKEN])).toEqual([]);
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

  it("a connection that is not an http connection cannot be published for an http step", async () => {
    // At run time such a step fails (CONNECTION_INVALID: cannot authenticate HTTP); publishing
    // refuses it first, as for a salesforce step naming an http connection.
    const res = await stack.http("POST", "/api/v1/flows/validate", {
      schema: "tern.flow/v1",
      name: "Wrong connection",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [
        { id: "call", type: "http", connection: "salesforce", url: `http://api.test:${port}/anything` },
      ],
    });
    const body = (await res.json()) as { valid: boolean; errors: Array<{ path: string; message: string }> };
    expect(body.valid).toBe(false);
    expect(body.errors).toContainEqual({
      path: "$.steps[0].connection",
      message: expect.stringContaining(
        'connection "salesforce" is a salesforce connection; this step needs a http one',
      ),
      stepId: "call",
    });
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

  it("validation refuses a connection's step URL that no run could use: another host, or a path outside its baseUrl", async () => {
    const flowWith = (...urls: string[]) => ({
      schema: "tern.flow/v1",
      name: "Outside",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: urls.map((url, i) => ({
        id: `s${i}`,
        type: "http",
        connection: "orders_api",
        url,
        ...(i + 1 < urls.length && { next: `s${i + 1}` }),
      })),
    });
    const validate = async (flow: unknown) =>
      (await (await stack.http("POST", "/api/v1/flows/validate", flow)).json()) as {
        valid: boolean;
        errors: Array<{ path: string; message: string }>;
      };
    const written = await validate(flowWith("//evil.example/x", "/../admin", "/orders/42"));
    expect(written.valid).toBe(false);
    expect(written.errors).toEqual([
      expect.objectContaining({ path: "$.steps[0].url", message: expect.stringContaining("starts with //") }),
      expect.objectContaining({
        path: "$.steps[1].url",
        message: expect.stringContaining("leaves the connection's baseUrl"),
      }),
    ]);
    // The right origin, but beside the base's path: every run would be refused.
    const beside = await validate(flowWith(`http://127.0.0.1:${port}/v2/orders`));
    expect(beside.errors).toEqual([
      expect.objectContaining({
        path: "$.steps[0].url",
        message: expect.stringContaining(`only to URLs under http://127.0.0.1:${port}/v1/`),
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
