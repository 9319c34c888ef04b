import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildTextWebhook, signWebhook } from "../../src/sandbox/whatsapp/index.js";
import {
  anyContentType,
  anyMethod,
  fuzzRuns,
  hostileBody,
  hostileQuery,
  hostileSegment,
  invalidUtf8,
  mutatedJson,
} from "../helpers/fuzz.js";
import { describeRequest, expect4xx, expectNo5xx, expectUp } from "../helpers/fuzz-http.js";
import { rawExchange, requestBytes } from "../helpers/raw-exchange.js";
import { type SpawnedStack, startSpawnedStack } from "../helpers/spawned-stack.js";

/**
 * Everything a stranger can reach without the admin token, against a real `tern serve` process:
 * the provider webhooks (POST and the GET handshake), a flow's webhook, the OAuth callback, the browser
 * sign-in (`/api/v1/session`), health, readiness,
 * metrics and the API docs. After every generated request the process is alive and /healthz answers; malformed input
 * gets a 4xx; and an unsigned or malformed webhook stores nothing (inbox, contacts, messages, runs).
 */
/** Whether a query (`?…`) is valid percent-encoding: what Tern checks on every route. */
const isWellEncoded = (query: string) => {
  try {
    decodeURIComponent(query);
    return true;
  } catch {
    return false;
  }
};

describe("fuzz: the public surface of a running Tern process", () => {
  let stack: SpawnedStack;
  beforeAll(async () => {
    stack = await startSpawnedStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });
  // One property that kills the process must not take the following ones down with it.
  beforeEach(async () => {
    await stack.ensureUp();
  }, 60_000);

  const channelPath = () => `/webhooks/${stack.setup.channelId}`;
  const appSecret = () => stack.sandbox.wa.config.appSecret;
  const validWebhook = buildTextWebhook({ from: "15550001234", text: "hello", id: "wamid.fuzz" });

  const bodyHeaders = (
    body: Buffer,
    contentType: string | undefined,
    extra: Record<string, string> = {},
  ) => ({
    ...(contentType === undefined ? {} : { "content-type": contentType }),
    "content-length": body.length,
    ...extra,
  });

  it("answers any method on a malformed /webhooks/ path with a 4xx and stays up (150 generated inputs)", async () => {
    const segment = fc.oneof(
      { weight: 4, arbitrary: hostileSegment.map((s) => Buffer.from(s, "latin1")) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.string({ maxLength: 6 }), invalidUtf8)
          .map(([a, bad]) => Buffer.concat([Buffer.from(encodeURIComponent(a)), bad])),
      },
    );
    const before = await stack.counts();
    await fc.assert(
      fc.asyncProperty(
        anyMethod,
        segment,
        hostileQuery,
        hostileBody,
        anyContentType,
        async (method, seg, q, body, ct) => {
          const target = Buffer.concat([Buffer.from("/webhooks/"), seg, Buffer.from(q)]);
          const withBody = method !== "GET" && method !== "HEAD";
          const request = requestBytes(
            method,
            target,
            withBody ? bodyHeaders(body, ct) : {},
            withBody ? body : "",
          );
          const answer = await rawExchange(stack.port, [request]);
          await expectUp(stack, describeRequest([request]));
          expect4xx(answer, describeRequest([request]));
        },
      ),
      fuzzRuns(150, { shrink: false }),
    );
    expect(await stack.counts()).toEqual(before);
  });

  it("refuses unsigned, wrongly signed and malformed webhooks with a 4xx, storing nothing (250 generated inputs)", async () => {
    const body = fc.oneof(
      { weight: 3, arbitrary: hostileBody },
      { weight: 2, arbitrary: mutatedJson(validWebhook).map((t) => Buffer.from(t)) },
      { weight: 1, arbitrary: fc.constant(Buffer.from(JSON.stringify(validWebhook))) },
    );
    const signature = fc.constantFrom("none", "wrong-secret", "garbage", "right-secret");
    // Any Meta envelope, this product's or another object's (acknowledged and listed as rejected:
    // webhook-batches.test.ts), may be valid when signed right.
    const isEnvelope = (b: Buffer) => {
      try {
        const json = JSON.parse(b.toString("utf8")) as { object?: unknown; entry?: unknown } | null;
        return typeof json?.object === "string" && Array.isArray(json.entry);
      } catch {
        return false;
      }
    };
    const before = await stack.counts();
    await fc.assert(
      fc.asyncProperty(body, signature, hostileQuery, anyContentType, async (raw, mode, q, ct) => {
        // A correctly signed envelope may be valid (and then stored): only malformed ones are signed.
        const signed = mode === "right-secret" && isEnvelope(raw) ? "wrong-secret" : mode;
        const headers: Record<string, string> =
          signed === "none"
            ? {}
            : signed === "garbage"
              ? { "x-hub-signature-256": "sha256=zz" }
              : { "x-hub-signature-256": signWebhook(raw, signed === "right-secret" ? appSecret() : "nope") };
        const request = requestBytes("POST", `${channelPath()}${q}`, bodyHeaders(raw, ct, headers), raw);
        const answer = await rawExchange(stack.port, [request]);
        await expectUp(stack, describeRequest([request]));
        expect4xx(answer, describeRequest([request]));
      }),
      fuzzRuns(250, { shrink: false }),
    );
    expect(await stack.counts()).toEqual(before);
  });

  it("answers the verification handshake with the challenge only for the right token, never a 5xx (150 generated inputs)", async () => {
    const token = fc.oneof(
      fc.constant(() => encodeURIComponent(stack.sandbox.wa.config.verifyToken)),
      hostileSegment.map((s) => () => s),
    );
    const mode = fc.oneof(fc.constant("subscribe"), hostileSegment);
    const challenge = fc.oneof(fc.integer({ min: 0 }).map(String), hostileSegment);
    await fc.assert(
      fc.asyncProperty(mode, token, challenge, hostileQuery, async (m, t, c, extra) => {
        const tokenValue = t();
        const isRight =
          m === "subscribe" && tokenValue === encodeURIComponent(stack.sandbox.wa.config.verifyToken);
        const q = `?hub.mode=${m}&hub.verify_token=${tokenValue}&hub.challenge=${c}${extra.replace("?", "&")}`;
        const request = requestBytes("GET", `${channelPath()}${q}`);
        const answer = await rawExchange(stack.port, [request]);
        await expectUp(stack, describeRequest([request]));
        expectNo5xx(answer, describeRequest([request]));
        if (!isRight) expect4xx(answer, describeRequest([request]));
      }),
      fuzzRuns(150, { shrink: false }),
    );
  });

  it("answers the OAuth callback with a 4xx for any forged, malformed or oversized request, stores nothing (150 generated inputs)", async () => {
    const route = fc.oneof(
      { weight: 3, arbitrary: fc.constant("/oauth/salesforce/callback") },
      { weight: 1, arbitrary: hostileSegment.map((s) => `/oauth/${s}/callback`) },
    );
    const query = fc.oneof(
      hostileQuery,
      fc.tuple(hostileSegment, hostileSegment).map(([code, state]) => `?code=${code}&state=${state}`),
      fc
        .tuple(hostileSegment, hostileSegment)
        .map(([d, state]) => `?error=access_denied&error_description=${d}&state=${state}&state=${state}`),
    );
    const before = await stack.counts();
    await fc.assert(
      fc.asyncProperty(
        anyMethod,
        route,
        query,
        hostileBody,
        anyContentType,
        async (method, path, q, body, ct) => {
          const withBody = method !== "GET" && method !== "HEAD";
          const request = requestBytes(
            method,
            `${path}${q}`,
            withBody ? bodyHeaders(body, ct) : {},
            withBody ? body : "",
          );
          const answer = await rawExchange(stack.port, [request]);
          await expectUp(stack, describeRequest([request]));
          expect4xx(answer, describeRequest([request]));
        },
      ),
      fuzzRuns(150, { shrink: false }),
    );
    expect(await stack.counts()).toEqual(before);
  });

  it("refuses a flow webhook with a wrong token, content type, body or length with a 4xx, starting nothing (150 generated inputs)", async () => {
    const admin = (path: string, body: unknown) =>
      fetch(`${stack.url}/api/v1${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const flow = await admin("/flows", {
      schema: "tern.flow/v1",
      name: "fuzzed webhook",
      trigger: { type: "api" },
      steps: [{ id: "s", type: "send", text: "x" }],
    });
    await admin(`/flows/${flow.id}/publish`, { version: 1 });
    const hook = await admin(`/flows/${flow.id}/webhook`, {});
    const good = String(hook.token);
    const valid = { contact: { channel: "whatsapp", address: "15550001234" }, input: {} };
    const token = fc.oneof(
      fc.constantFrom("", "x", good.slice(1), `${good}x`, good.toUpperCase()),
      hostileSegment,
    );
    const body = fc.oneof(
      { weight: 3, arbitrary: hostileBody },
      { weight: 2, arbitrary: mutatedJson(valid).map((t) => Buffer.from(t)) },
    );
    const before = await stack.counts();
    await fc.assert(
      fc.asyncProperty(
        token,
        body,
        hostileBody,
        hostileQuery,
        anyContentType,
        async (t, raw, hostile, q, ct) => {
          // Every other input with the right token: hostile bytes reach the body's parsing and checks.
          const isRight = hostile.length % 2 === 0;
          const path = `/hooks/flows/${flow.id}/${isRight ? good : t}${q}`;
          if (isRight) raw = hostile;
          const request = requestBytes("POST", path, bodyHeaders(raw, ct), raw);
          const answer = await rawExchange(stack.port, [request]);
          await expectUp(stack, describeRequest([request]));
          expect4xx(answer, describeRequest([request]));
        },
      ),
      fuzzRuns(150, { shrink: false }),
    );
    expect(await stack.counts()).toEqual(before);
  });

  it("refuses malformed, mistyped, oversized or wrongly framed sign-ins (/api/v1/session) with a 4xx, never a 5xx, and signs nobody in (150 generated inputs)", async () => {
    const body = fc.oneof(
      { weight: 3, arbitrary: hostileBody },
      { weight: 1, arbitrary: mutatedJson({ token: "x".repeat(20) }).map((t) => Buffer.from(t)) },
      {
        weight: 1,
        arbitrary: mutatedJson({ user: "ops", password: "y".repeat(12) }).map((t) => Buffer.from(t)),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom("", "{}", "null", "[]", '{"token":1}', '{"token":""}')
          .map((t) => Buffer.from(t)),
      },
    );
    const route = fc.oneof(
      { weight: 4, arbitrary: fc.constant("/api/v1/session") },
      { weight: 1, arbitrary: hostileSegment.map((s) => `/api/v1/session/${s}`) },
      { weight: 1, arbitrary: hostileSegment.map((s) => `/api/v1/${s}session`) },
    );
    // Declared length: the truth, shorter, or longer (the server then waits for bytes that never come).
    const framing = fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: -64, max: 64 }).filter((n) => n !== 0) },
    );
    const cookie = fc.oneof(
      fc.constant(undefined),
      hostileSegment.map((s) => `tern_session=${s}; tern_csrf=${s}`),
      fc.constantFrom("tern_session", "=", ";;", 'tern_session=""', "tern_session=%E0%A4%A"),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("POST", "POST", "POST", "GET", "DELETE", "PUT", "HEAD"),
        route,
        hostileQuery,
        body,
        anyContentType,
        framing,
        cookie,
        async (method, path, q, raw, ct, lie, c) => {
          const declared = Math.max(0, raw.length + lie);
          const headers = {
            ...bodyHeaders(raw, ct, c === undefined ? {} : { cookie: c }),
            "content-length": declared,
          };
          const request = requestBytes(method, `${path}${q}`, headers, raw);
          const isLonger = declared > raw.length;
          const answer = await rawExchange(stack.port, [request], isLonger ? 60 : 3_000);
          await expectUp(stack, describeRequest([request]));
          if (isLonger && answer.timedOut) return;
          expectNo5xx(answer, describeRequest([request]));
          // Only a sign-out of no session answers 2xx (204, clearing cookies); nothing signs in.
          if (method === "DELETE" && path === "/api/v1/session") return;
          expect4xx(answer, describeRequest([request]));
          expect(answer.text).not.toMatch(/set-cookie: tern_session=[^;\s]/i);
        },
      ),
      fuzzRuns(150, { shrink: false }),
    );
  });

  const dotSegments = ["%2e%2e", "%2E%2E", ".%2e", "%2e.", "..", "static/%2e%2e/%2e%2e", "%2e%2e%2f"];

  it("never lets a path under /api/docs reach the docs' copy of the admin API, with any token or none", async () => {
    const url = (path: string) => `http://127.0.0.1:${stack.port}${path}`;
    const right = { authorization: `Bearer ${stack.adminToken}` };
    for (const dots of dotSegments) {
      for (const headers of [{}, { authorization: "Bearer wrong" }, right]) {
        // Raw bytes: fetch would resolve the dot segments before sending.
        const answer = await rawExchange(stack.port, [
          requestBytes("GET", `/api/docs/${dots}/v1/channels`, headers, ""),
        ]);
        expect([answer.status, dots, headers]).toEqual([404, dots, headers]);
        expect(answer.text).toContain('"code":"NOT_FOUND"');
        expect(answer.text).not.toContain(stack.setup.channelId);
      }
    }
    // Wrong tokens sent that way counted against no one: loopback still gets in with the right one.
    expect((await fetch(url("/api/v1/channels"), { headers: right })).status).toBe(200);
    expect((await fetch(url("/api/docs/json"))).status).toBe(200);
  });

  // An outside audit: `?x=%ZZ` was read literally with 200 while a bad path was a 400.
  it("answers a query string that is not valid percent-encoding with 400 on every public route", async () => {
    const flowHook = `/hooks/flows/${stack.setup.flowId}/not-the-token`;
    for (const path of [
      "/healthz",
      "/readyz",
      "/metrics",
      "/api/docs/json",
      "/oauth/salesforce/callback",
      channelPath(),
      flowHook,
      "/api/v1/session",
      "/",
      "/no-such-page",
    ]) {
      for (const query of [
        "?x=%ZZ",
        "?code=%E0%A4%A&state=s",
        "?hub.mode=subscribe&hub.challenge=%FF",
        "?%",
      ]) {
        const method = path === flowHook ? "POST" : "GET";
        const request = requestBytes(
          method,
          `${path}${query}`,
          method === "POST" ? { "content-length": 2, "content-type": "application/json" } : {},
          method === "POST" ? "{}" : "",
        );
        const answer = await rawExchange(stack.port, [request]);
        expect(answer.status, `${method} ${path}${query}`).toBe(400);
        expect(answer.text, `${method} ${path}${query}`).toContain(
          "query string is not valid percent-encoding",
        );
        // The OAuth callback answers a person's browser: a page, not the API's JSON.
        expect(answer.text, `${method} ${path}${query}`).toMatch(
          path === "/oauth/salesforce/callback"
            ? /content-type: text\/html/i
            : /content-type: application\/json/i,
        );
      }
    }
    // Well-encoded, the same routes answer as before.
    expect((await rawExchange(stack.port, [requestBytes("GET", "/healthz?x=%25ZZ", {}, "")])).status).toBe(
      200,
    );
  });

  it("never answers /healthz, /readyz, /metrics or the docs with a 5xx, whatever the method, query or body (150 generated inputs)", async () => {
    const route = fc.oneof(
      fc.constantFrom(
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/docs",
        "/api/docs/",
        "/api/docs/json",
        "/api/docs/yaml",
      ),
      hostileSegment.map((s) => `/api/docs/static/${s}`),
      fc
        .tuple(fc.constantFrom(...dotSegments), fc.constantFrom("v1/channels", "v1/session", "v1/nothing"))
        .map(([dots, rest]) => `/api/docs/${dots}/${rest}`),
      fc.tuple(hostileSegment, hostileSegment).map(([a, b]) => `/${a}/${b}`),
    );
    await fc.assert(
      fc.asyncProperty(
        anyMethod,
        route,
        hostileQuery,
        hostileBody,
        anyContentType,
        async (method, path, q, body, ct) => {
          const withBody = method !== "GET" && method !== "HEAD";
          const request = requestBytes(
            method,
            `${path}${q}`,
            withBody ? bodyHeaders(body, ct) : {},
            withBody ? body : "",
          );
          const answer = await rawExchange(stack.port, [request]);
          await expectUp(stack, describeRequest([request]));
          expectNo5xx(answer, describeRequest([request]));
          // Node refuses a request head over its 16 KiB limit with 431, before any route runs; a
          // query that is not valid percent-encoding is a 400 on every route.
          if (method === "GET" && path === "/healthz") {
            expect(answer.status).toBe(request.length > 16 * 1024 ? 431 : isWellEncoded(q) ? 200 : 400);
          }
        },
      ),
      fuzzRuns(150, { shrink: false }),
    );
  });
});
