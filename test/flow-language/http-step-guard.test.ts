import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeHttp, HttpConnectionConfig } from "../../src/connectors/http/index.js";
import { createAddressPolicy } from "../../src/core/address-policy.js";
import { createGuardedHttp } from "../../src/core/guarded-http.js";
import { validateFlow } from "../../src/flows/validate.js";
import {
  ask,
  port,
  probeSteps,
  resolveHost,
  resolveOrSystem,
  seen,
  startServer,
  stopServer,
} from "../helpers/http-step-fixtures.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * The `http` step's refusals, its guarded client, retries, redirects, validation and connection, through the real engine, worker and store, against a real HTTP server on
 * loopback. DNS is a fixed table (`resolveHost`), so names resolve the same everywhere:
 * `api.test` → 127.0.0.1 (the server), `internal.test` → 127.0.0.2 (a loopback address that is
 * not allowed). Nothing here connects anywhere but 127.0.0.1.
 */

beforeAll(startServer);
afterAll(stopServer);

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
    [
      "IPv4-compatible IPv6 loopback (written [::7f00:1] by URL)",
      () => `http://[::127.0.0.1]:${port}/`,
      "127.0.0.1 is a loopback address",
    ],
    [
      "IPv4-compatible IPv6 metadata",
      () => "http://[::a9fe:a9fe]/",
      "169.254.169.254 is a cloud metadata address",
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
  it("drops credentials and secret-named headers on a redirect to another origin, and a 303 continues as a GET without the body", async () => {
    const client = createGuardedHttp({
      policy: createAddressPolicy({ allow: ["127.0.0.1"] }),
      resolve: resolveHost,
    });
    const before = seen.length;
    const answer = await client({
      method: "POST",
      url: `http://127.0.0.1:${port}/to-other-origin`,
      headers: {
        cookie: "session=1",
        "x-keep": "yes",
        "content-type": "application/json",
        // Secrets a flow author wrote in the step's headers, for the first host only.
        "x-api-key": "k-123",
        "X-Auth-Token": "t-456",
      },
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
    expect(first?.headers["x-api-key"]).toBe("k-123");
    expect(second?.headers["x-api-key"]).toBeUndefined();
    expect(second?.headers["x-auth-token"]).toBeUndefined();
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
    // A path from the root keeps the base's path, as axios joins baseURL and url.
    expect(authorizeHttp(config, "/orders/42?x=1").url).toBe("https://api.example.com/v2/orders/42?x=1");
    expect(authorizeHttp(config, "/").url).toBe("https://api.example.com/v2/");
    for (const url of [
      "https://evil.example/v2/orders",
      "https://api.example.com/v1/x",
      "/../admin",
      "/orders/../../v1/x",
      "%2e%2e/admin",
      "http://api.example.com/v2/x",
    ]) {
      expect(() => authorizeHttp(config, url)).toThrow(
        /only to URLs under https:\/\/api\.example\.com\/v2\//,
      );
    }
  });

  it("refuses a protocol-relative URL: a host without a scheme is never a path under the base", () => {
    const config = { auth: "bearer" as const, baseUrl: "https://api.example.com/v2", token: "t" };
    for (const url of ["//evil.example/v2/x", "/\\evil.example/v2/x", "//api.example.com/v2/x"]) {
      expect(() => authorizeHttp(config, url)).toThrow(/starts with \/\/ \(a host without a scheme\)/);
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
