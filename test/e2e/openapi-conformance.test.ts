import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/in-process.js";
import {
  createConformance,
  type Exchange,
  type OpenApiDocument,
  type OperationKey,
} from "../helpers/openapi-conformance.js";
import { type BuiltInSandboxStack, startBuiltInSandboxStack } from "../helpers/sandbox-stack.js";

/**
 * The admin API as a client generated from its OpenAPI document meets it: every operation of the
 * document served at /api/docs/json is called on a real Tern (the built-in sandbox on, then the
 * user's own integrations), with valid and invalid input, and every answer must be one the
 * operation documents, in its documented schema and content type, errors in the one shape.
 * Around that: undocumented query parameters and body keys refused, pagination that neither
 * skips nor repeats, 401 without or with a wrong token, 405 for a method a path does not take,
 * 404 for a path that does not exist, and no secret in any answer.
 */

const HTTP_SECRET = "conformance-http-secret-7f3a";
const WA_SECRET = "conformance-wa-secret-91bc";
const TG_SECRET = "123456:AAEconformance_token_0001";
const FLOW = "conf_api";

interface Options {
  body?: unknown;
  /** Raw body text (with `contentType`). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** The bearer token; null sends none. Default: the admin token. */
  token?: string | null;
}

describe("the admin API conforms to its OpenAPI document", () => {
  let stack: BuiltInSandboxStack;
  let doc: OpenApiDocument;
  let conformance: ReturnType<typeof createConformance>;
  let token: string;
  const problems: string[] = [];
  /** Operations answered 2xx, and 4xx, and the first successful request of each. */
  const succeeded = new Map<OperationKey, { method: string; url: string; options: Options }>();
  const refused = new Set<OperationKey>();
  let forwardedFor = 0;

  const call = async (method: string, url: string, options: Options = {}) => {
    const bearer = options.token === undefined ? token : options.token;
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const response = await fetch(`${stack.tern.url}${url}`, {
      method,
      redirect: "manual",
      headers: {
        ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
        ...(body === undefined ? {} : { "content-type": options.contentType ?? "application/json" }),
        // A client address of its own per request: wrong tokens on purpose must not trip the
        // sign-in throttle (TERN_TRUST_PROXY=loopback believes it).
        "x-forwarded-for": `198.51.100.${(forwardedFor++ % 250) + 1}`,
        ...options.headers,
      },
      body,
    });
    const text = await response.text();
    const exchange: Exchange = {
      method,
      url,
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      text,
    };
    problems.push(...conformance.problemsOf(exchange));
    for (const secret of [token, HTTP_SECRET, WA_SECRET, TG_SECRET]) {
      if (text.includes(secret) && !url.startsWith("/api/v1/flows/") && !url.endsWith("/webhook"))
        problems.push(`${method} ${url} answered a secret`);
    }
    const key = conformance.operationOf(method, url);
    if (key && response.status >= 200 && response.status < 300 && !succeeded.has(key))
      succeeded.set(key, { method, url, options });
    if (key && response.status >= 400 && response.status < 500) refused.add(key);
    const json = text && /json/.test(exchange.contentType) ? JSON.parse(text) : undefined;
    return { status: response.status, json, headers: response.headers, text };
  };
  const ok = async (method: string, url: string, options: Options = {}, status = 200) => {
    const answer = await call(method, url, options);
    expect(answer.status, `${method} ${url}: ${answer.text.slice(0, 300)}`).toBe(status);
    return answer.json;
  };

  beforeAll(async () => {
    stack = await startBuiltInSandboxStack({ TERN_TRUST_PROXY: "loopback" });
    token = stack.tern.dataDir.adminToken;
    doc = (await (await fetch(`${stack.tern.url}/api/docs/json`)).json()) as OpenApiDocument;
    conformance = createConformance(doc);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it("answers every operation as documented, with the sandbox and then with integrations of the user's own", async () => {
    // --- The built-in sandbox runs. ---
    await ok("GET", "/api/v1/sandbox");
    await ok("POST", "/api/v1/sandbox/messages", { body: { from: "15550000001", text: "Hi" } }, 202);
    await call("POST", "/api/v1/sandbox/messages", { body: { from: "15550000001" } });
    await ok("GET", "/api/v1/sandbox/conversations/15550000001");
    await ok("GET", "/api/v1/sandbox/conversations/15550000001?channel=telegram");
    await ok("POST", "/api/v1/sandbox/try", { body: { flowId: stack.flowId } }, 202);
    await call("POST", "/api/v1/sandbox/try", { body: { flowId: "no_such_flow" } });

    // --- Flows. ---
    const flow = (text: string, trigger: unknown = { type: "api" }) => ({
      schema: "tern.flow/v1",
      name: "conformance",
      trigger,
      steps: [
        { id: "hello", type: "send", text, next: "ask" },
        { id: "ask", type: "ask", text: "Your name?", save: "name" },
      ],
    });
    await ok("GET", "/api/v1/flows/schema");
    await ok("POST", "/api/v1/flows/validate", { body: flow("hi") });
    await ok("POST", "/api/v1/flows/validate", { body: { schema: "nope" } });
    await ok("PUT", `/api/v1/flows/${FLOW}`, { body: flow("v1") }, 201);
    await ok("PUT", `/api/v1/flows/${FLOW}`, { body: flow("v2") }, 201);
    await ok("PUT", `/api/v1/flows/${FLOW}`, { body: flow("v2") }, 200);
    await call("PUT", `/api/v1/flows/${FLOW}`, { body: { schema: "tern.flow/v1" } });
    await ok("POST", `/api/v1/flows/${FLOW}/publish`, { body: { version: 1 } });
    await ok("POST", `/api/v1/flows/${FLOW}/publish`);
    await call("POST", `/api/v1/flows/${FLOW}/publish`, { body: { version: 99 } });
    await ok("GET", "/api/v1/flows");
    await ok("GET", `/api/v1/flows/${FLOW}`);
    await call("GET", "/api/v1/flows/no_such_flow");
    await ok("GET", `/api/v1/flows/${FLOW}/versions`);
    await ok("GET", `/api/v1/flows/${FLOW}/diff?from=1&to=2`);
    await call("GET", `/api/v1/flows/${FLOW}/diff?from=1`);
    await ok("GET", `/api/v1/flows/${FLOW}/export`);
    await ok("GET", `/api/v1/flows/${FLOW}/export?version=1`);
    await ok("GET", `/api/v1/flows/${FLOW}/stats`);
    const created = await ok("POST", "/api/v1/flows", { body: flow("other", { type: "api" }) }, 201);
    await ok("POST", `/api/v1/flows/${created.id}/unpublish`);
    await ok("DELETE", `/api/v1/flows/${created.id}`, {}, 204);
    await call("DELETE", `/api/v1/flows/${created.id}`);
    await ok("GET", "/api/v1/templates");

    // --- Runs through the API trigger: enough to page through. ---
    const RUNS = 23;
    for (let i = 0; i < RUNS; i++) {
      const contact = { channel: "whatsapp", address: `1555010${String(i).padStart(4, "0")}` };
      await ok("POST", `/api/v1/flows/${FLOW}/runs`, { body: { contact } }, 202);
    }
    await call("POST", `/api/v1/flows/${FLOW}/runs`, { body: { contact: { channel: "whatsapp" } } });
    const all = await eventually(async () => {
      const page = (await ok("GET", `/api/v1/runs?flowId=${FLOW}&limit=500`)) as { items: { id: string }[] };
      return page.items.length === RUNS ? page.items.map((r) => r.id) : null;
    }, 20_000);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = await ok("GET", `/api/v1/runs?flowId=${FLOW}&limit=5${query}`);
      paged.push(...page.items.map((r: { id: string }) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
    await call("GET", "/api/v1/runs?cursor=nonsense");
    await call("GET", "/api/v1/runs?status=lost");
    const runId = all[0] as string;
    await ok("GET", `/api/v1/runs/${runId}`);
    await ok("GET", `/api/v1/runs/${runId}/messages`);
    await call("GET", "/api/v1/runs/run_nothing");
    await eventually(
      async () => (await call("GET", `/api/v1/runs/${runId}`)).json?.status === "waiting",
      20_000,
    );
    await ok("POST", `/api/v1/runs/${runId}/end`);
    await call("POST", `/api/v1/runs/${runId}/end`);
    await call("POST", `/api/v1/runs/${runId}/retry`);
    await call("POST", `/api/v1/runs/${runId}/release`);
    await ok("POST", "/api/v1/runs/end", { body: { flowId: FLOW, limit: 2 } });
    await call("POST", "/api/v1/runs/end", { body: {} });

    // A failed run (its error documented) and its retry.
    await ok(
      "PUT",
      "/api/v1/flows/conf_fail",
      {
        body: {
          schema: "tern.flow/v1",
          name: "fails",
          trigger: { type: "api" },
          steps: [{ id: "call", type: "http", url: "http://127.0.0.1:1/nothing", retries: 0 }],
        },
      },
      201,
    );
    await ok("POST", "/api/v1/flows/conf_fail/publish");
    const failing = await ok(
      "POST",
      "/api/v1/flows/conf_fail/runs",
      {
        body: { contact: { channel: "whatsapp", address: "15550300000" } },
      },
      202,
    );
    // 404 until the run has started in its conversation's turn (PostgreSQL: a worker's job).
    await eventually(
      async () => (await call("GET", `/api/v1/runs/${failing.runId}`)).json?.status === "failed",
      20_000,
    );
    await ok("GET", "/api/v1/runs?status=failed");
    await ok("POST", `/api/v1/runs/${failing.runId}/retry`);

    // --- The flow's webhook. ---
    const hook = await ok("POST", `/api/v1/flows/${FLOW}/webhook`, {}, 201);
    const hookPath = new URL(hook.url).pathname;
    const hookContact = { contact: { channel: "whatsapp", address: "15550200000" } };
    await ok("POST", hookPath, { body: hookContact, token: null }, 202);
    await call("POST", `${hookPath}x`, { body: hookContact, token: null });

    // --- Contacts, paged by cursor (the webhook's and the failed run's contacts may arrive meanwhile). ---
    const contacts = await eventually(async () => {
      const page = await ok("GET", "/api/v1/contacts?limit=500");
      return page.items.length >= RUNS + 2 ? (page.items as { id: string }[]).map((c) => c.id) : null;
    }, 20_000);
    const byCursor: string[] = [];
    let contactCursor: string | null = null;
    do {
      const query: string = contactCursor ? `&cursor=${encodeURIComponent(contactCursor)}` : "";
      const page = await ok("GET", `/api/v1/contacts?limit=4${query}`);
      byCursor.push(...page.items.map((c: { id: string }) => c.id));
      contactCursor = page.nextCursor;
    } while (contactCursor);
    // Nothing listed twice, nothing that existed before skipped, in the order of the whole list.
    expect(new Set(byCursor).size).toBe(byCursor.length);
    expect(byCursor.filter((id) => contacts.includes(id))).toEqual(contacts);
    await ok("GET", "/api/v1/contacts?limit=4&offset=4");
    const [first, second, third] = contacts as [string, string, string];
    await ok("GET", `/api/v1/contacts/${first}`);
    await ok("GET", `/api/v1/contacts/${first}/records`);
    await call("GET", "/api/v1/contacts/ct_nobody_at_all");
    await ok("POST", `/api/v1/contacts/${first}/tags`, { body: { add: ["vip"] } });
    await ok("GET", "/api/v1/contacts?tag=vip");
    await call("POST", `/api/v1/contacts/${first}/tags`, { body: {} });
    await ok("PATCH", `/api/v1/contacts/${first}`, { body: { name: "Ada", attributes: { plan: "gold" } } });
    await ok("POST", `/api/v1/contacts/${first}/merge`, { body: { from: second } });
    await call("POST", `/api/v1/contacts/${first}/merge`, { body: { from: second } });
    await ok("DELETE", `/api/v1/contacts/${third}`, {}, 204);
    await call("DELETE", `/api/v1/contacts/${third}`);
    await call("DELETE", "/api/v1/contacts?phone=%2B15550109999");
    await call("DELETE", "/api/v1/contacts?phone=15550109999");

    // --- Settings, types, session. ---
    const keywords = await ok("GET", "/api/v1/settings/keywords");
    await ok("PUT", "/api/v1/settings/keywords", { body: keywords });
    await call("PUT", "/api/v1/settings/keywords", { body: { stop: "STOP" } });
    await ok("GET", "/api/v1/channel-types");
    await ok("GET", "/api/v1/connection-types");
    const signIn = await fetch(`${stack.tern.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    await ok("POST", "/api/v1/session", { body: { token }, token: null });
    await call("POST", "/api/v1/session", { body: { token: "wrong-token-000000" }, token: null });
    await ok("GET", "/api/v1/session", { token: null, headers: { cookie } });
    await call("GET", "/api/v1/session", { token: null });
    const csrf = /tern_csrf=([^;]+)/.exec(cookie)?.[1] ?? "";
    await ok("DELETE", "/api/v1/session", { token: null, headers: { cookie, "x-tern-csrf": csrf } }, 204);

    // --- Integrations of the user's own: the sandbox steps aside. ---
    const http = await ok(
      "POST",
      "/api/v1/connections",
      {
        body: {
          type: "http",
          name: "api",
          config: { baseUrl: "https://api.example.com", auth: "bearer", token: HTTP_SECRET },
        },
      },
      201,
    );
    await call("POST", "/api/v1/connections", { body: { type: "http", name: "api", config: {} } });
    await ok("GET", "/api/v1/connections");
    await ok("GET", `/api/v1/connections/${http.id}`);
    await ok("PATCH", `/api/v1/connections/${http.id}`, { body: { name: "api2" } });
    await call("PATCH", `/api/v1/connections/${http.id}`, { body: { type: "salesforce" } });
    await call("POST", `/api/v1/connections/${http.id}/test`);
    await call("GET", `/api/v1/connections/${http.id}/objects`);
    await call("GET", `/api/v1/connections/${http.id}/objects/Lead`);
    const sf = await ok(
      "POST",
      "/api/v1/connections",
      {
        body: {
          type: "salesforce",
          name: "salesforce",
          config: {
            loginUrl: "https://login.salesforce.com",
            clientId: "3MVGclient",
            clientSecret: HTTP_SECRET,
          },
        },
      },
      201,
    );
    await ok("GET", `/api/v1/connections/${sf.id}/oauth/start`, { headers: { accept: "application/json" } });
    await call("GET", `/api/v1/connections/${sf.id}/oauth/start?returnTo=ui`);
    await call("GET", `/api/v1/connections/${sf.id}/objects`);
    await call("GET", `/api/v1/connections/${sf.id}/objects/Lead`);
    await call("POST", `/api/v1/connections/${sf.id}/test`);
    await ok("POST", `/api/v1/connections/${sf.id}/disconnect`);
    await ok("DELETE", `/api/v1/connections/${sf.id}`, {}, 204);
    await call("DELETE", `/api/v1/connections/${sf.id}`);

    const wa = await ok(
      "POST",
      "/api/v1/channels",
      {
        body: {
          type: "whatsapp",
          name: "wa",
          config: {
            phoneNumberId: "1065000",
            accessToken: WA_SECRET,
            appSecret: WA_SECRET,
            verifyToken: "pick",
          },
        },
      },
      201,
    );
    await call("POST", "/api/v1/channels", { body: { type: "whatsap", name: "x", config: {} } });
    await ok("GET", "/api/v1/channels");
    await ok("GET", `/api/v1/channels/${wa.id}`);
    await ok("PATCH", `/api/v1/channels/${wa.id}`, { body: { config: { verifyToken: "other" } } });
    await call("POST", `/api/v1/channels/${wa.id}/setup`);
    await ok("GET", `/api/v1/channels/${wa.id}/rejected-events?limit=5`);
    await ok("GET", `/api/v1/channels/${wa.id}/messages?limit=5`);
    await call("GET", "/api/v1/channels/ch_none/messages");
    // A channel whose webhook is registered by API: its setup report (here: the provider is unreachable).
    const telegram = await ok(
      "POST",
      "/api/v1/channels",
      {
        body: {
          type: "telegram",
          name: "tg",
          config: {
            botToken: TG_SECRET,
            secretToken: "conformance-secret",
            apiBaseUrl: "http://127.0.0.1:1",
          },
        },
      },
      201,
    );
    expect(telegram.setup).toMatchObject({ ok: false });
    await ok("POST", `/api/v1/channels/${telegram.id}/setup`);
    await ok("DELETE", `/api/v1/channels/${telegram.id}`, {}, 204);
    await call("GET", "/api/v1/sandbox/conversations/15550000001");
    await call("POST", "/api/v1/sandbox/messages", { body: { from: "15550000001", text: "Hi" } });
    await ok("GET", "/api/v1/sandbox");
    await ok("DELETE", `/api/v1/channels/${wa.id}`, {}, 204);
    await ok("DELETE", `/api/v1/connections/${http.id}`, {}, 204);

    // Every operation of the document was tried.
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const untried = operations.filter((o) => !succeeded.has(o) && !refused.has(o));
    expect(untried).toEqual([]);
    expect(problems.splice(0)).toEqual([]);
  }, 120_000);

  it("refuses a query parameter or a body key the document does not name, changing nothing", async () => {
    const loose: string[] = [];
    for (const [key, { method, url, options }] of succeeded) {
      if (key.includes("/session") || key.includes("/hooks/")) continue;
      const withQuery = `${url}${url.includes("?") ? "&" : "?"}notDocumented=1`;
      const answer = await call(method, withQuery, options);
      if (answer.status !== 400) loose.push(`${key} ?notDocumented=1 answered ${answer.status}`);
      const body = options.body;
      if (body && typeof body === "object" && !Array.isArray(body) && !key.includes("/flows/validate")) {
        if (key === "PUT /api/v1/flows/{id}" || key === "POST /api/v1/flows") continue;
        const extra = await call(method, url, { ...options, body: { ...body, notDocumented: 1 } });
        if (extra.status < 400 || extra.status >= 500)
          loose.push(`${key} with a body key "notDocumented" answered ${extra.status}`);
      }
    }
    // The document says so too: every request body object takes only the keys it lists.
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const schema = (op.requestBody as { content?: Record<string, { schema?: Record<string, unknown> }> })
          ?.content?.["application/json"]?.schema;
        if (schema?.type === "object" && schema.additionalProperties !== false)
          loose.push(`${m.toUpperCase()} ${p}: the body schema allows keys it does not list`);
      }
    }
    expect(loose).toEqual([]);
    expect(problems.splice(0)).toEqual([]);
  }, 60_000);

  it("answers 401 without the token or with a wrong one, the same on every admin operation", async () => {
    const bodies = new Set<string>();
    for (const [p, ops] of Object.entries(doc.paths)) {
      if (!p.startsWith("/api/v1/") || p === "/api/v1/session") continue;
      const url = p.replace(/\{[^}]+\}/g, "x1");
      for (const m of Object.keys(ops)) {
        for (const bearer of [null, "wrong-token-000000000", "", `${token}x`]) {
          const answer = await call(m.toUpperCase(), url, {
            token: bearer,
            ...(["post", "put", "patch"].includes(m) ? { body: {} } : {}),
          });
          expect(answer.status, `${m} ${url} with ${JSON.stringify(bearer)}`).toBe(401);
          bodies.add(answer.json.error.code);
          expect(answer.text).not.toContain(token);
        }
      }
    }
    expect([...bodies]).toEqual(["UNAUTHORIZED"]);
    expect(problems.splice(0)).toEqual([]);
  }, 60_000);

  it("answers 405 with Allow for a method a path does not take, and 404 for a path that is none", async () => {
    const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    for (const [p, ops] of Object.entries(doc.paths)) {
      const url = p.replace(/\{[^}]+\}/g, "x1");
      const allowed = Object.keys(ops).map((m) => m.toUpperCase());
      for (const method of methods.filter((m) => !allowed.includes(m))) {
        // `/runs/end` is also `/runs/{id}` (GET), `/flows/schema` is `/flows/{id}` (PUT, DELETE).
        if (conformance.operationOf(method, url)) continue;
        const response = await fetch(`${stack.tern.url}${url}`, {
          method,
          headers: { authorization: `Bearer ${token}` },
        });
        const text = await response.text();
        expect(response.status, `${method} ${url}: ${text}`).toBe(405);
        const allow = (response.headers.get("allow") ?? "").split(/,\s*/);
        expect(allow, `${method} ${url}`).toEqual(expect.arrayContaining(allowed));
        expect(JSON.parse(text).error.code).toBe("METHOD_NOT_ALLOWED");
      }
    }
    for (const url of ["/api/v1/nothing", "/api/v1/flows/x/nothing", "/api/v2/flows"]) {
      const response = await fetch(`${stack.tern.url}${url}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, url).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    }
  }, 60_000);

  it("names every operation for a generated client: a unique operationId and a summary each", () => {
    const ids: string[] = [];
    const unnamed: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(
        ops as Record<string, { operationId?: string; summary?: string }>,
      )) {
        if (!op.operationId || !/^[a-z][A-Za-z]+$/.test(op.operationId) || !op.summary?.trim())
          unnamed.push(`${method.toUpperCase()} ${p}`);
        if (op.operationId) ids.push(op.operationId);
      }
    }
    expect(unnamed).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids.length).toBeGreaterThan(50);
  });
});
