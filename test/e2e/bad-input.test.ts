import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import { buildTextWebhook, signWebhook } from "../../src/sandbox/whatsapp/index.js";
import { rowCounts, rowsMentioning } from "../helpers/db-inspect.js";
import { testDialect } from "../helpers/dialect.js";
import { type Stack, startStack } from "../helpers/in-process.js";
import { rawExchange } from "../helpers/raw-exchange.js";
import { rawSocket } from "../helpers/raw-http.js";

describe("bad input gets a clear error and changes nothing", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(stack.setup.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });

  it("rejects a webhook whose signature was made with another secret, storing nothing", async () => {
    const body = JSON.stringify(buildTextWebhook({ from: "15550001111", text: "hi" }));
    const res = await post(body, { "x-hub-signature-256": signWebhook(body, "not-the-app-secret") });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("CHANNEL_SIGNATURE_INVALID");
    expect(await stack.tern.store.inbox.count()).toBe(0);
    expect(await stack.tern.store.contacts.list()).toHaveLength(0);
  });

  it("rejects a webhook without a signature, storing nothing", async () => {
    const body = JSON.stringify(buildTextWebhook({ from: "15550001111", text: "hi" }));
    expect((await post(body, {})).status).toBe(401);
    expect(await stack.tern.store.inbox.count()).toBe(0);
  });

  it("rejects a body tampered with after signing", async () => {
    const body = JSON.stringify(buildTextWebhook({ from: "15550001111", text: "hi" }));
    const signature = signWebhook(body, stack.sandbox.wa.config.appSecret);
    expect((await post(body.replace("hi", "yo"), { "x-hub-signature-256": signature })).status).toBe(401);
    expect(await stack.tern.store.inbox.count()).toBe(0);
  });

  it("answers malformed JSON (correctly signed) with 400", async () => {
    const body = '{"object":"whatsapp_business_account","entry":[';
    const res = await post(body, {
      "x-hub-signature-256": signWebhook(body, stack.sandbox.wa.config.appSecret),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("CHANNEL_PAYLOAD_INVALID");
    expect(await stack.tern.store.inbox.count()).toBe(0);
  });

  it("answers an unknown channel id with 404", async () => {
    const body = JSON.stringify(buildTextWebhook({ from: "15550001111", text: "hi" }));
    const res = await fetch(`${stack.tern.url}/webhooks/ch_doesnotexist`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signWebhook(body, "x") },
      body,
    });
    expect(res.status).toBe(404);
    expect(await stack.tern.store.inbox.count()).toBe(0);
  });

  it("marks admin API answers no-store and nosniff (refusals too), and the OAuth callback page with a CSP that loads nothing", async () => {
    const signedIn = await stack.http("GET", "/api/v1/flows");
    const refused = await fetch(`${stack.tern.url}/api/v1/flows`);
    expect(refused.status).toBe(401);
    for (const res of [signedIn, refused]) {
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    // The absolute form of the request target (what a proxy sends) reaches the same route: marked too.
    const host = new URL(stack.tern.url).host;
    const absolute = await rawSocket(
      stack.tern.url,
      `GET http://${host}/api/v1/flows HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    expect(absolute).toMatch(/^HTTP\/1\.1 401 /);
    expect(absolute.toLowerCase()).toContain("cache-control: no-store");
    expect(absolute.toLowerCase()).toContain("x-content-type-options: nosniff");
    const callback = await fetch(`${stack.tern.url}/oauth/salesforce/callback?state=forged&code=x`);
    expect(callback.status).toBe(400);
    expect(callback.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(callback.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("answers Meta's verification handshake only with the right verify token", async () => {
    const ok = await fetch(
      `${stack.setup.webhookUrl}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(stack.sandbox.wa.config.verifyToken)}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    // The echoed challenge is the caller's text: never sniffed as a page.
    expect(ok.headers.get("x-content-type-options")).toBe("nosniff");
    const wrong = await fetch(
      `${stack.setup.webhookUrl}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`,
    );
    expect(wrong.status).toBe(403);
  });

  it("rejects an invalid flow file with 422 and the JSON path of each problem, storing nothing", async () => {
    const flow = JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8"));
    flow.steps[0].next = "no_such_step";
    flow.steps[2].type = "salesforce.create";
    delete flow.steps[2].object;
    flow.steps[3].text = "{{ vars.name ";
    const before = (await stack.tern.store.flows.list()).length;
    const res = await stack.http("POST", "/api/v1/flows", flow);
    expect(res.status).toBe(422);
    const body = (await res.json()) as {
      error: { code: string; details: { errors: Array<{ path: string; message: string }> } };
    };
    expect(body.error.code).toBe("FLOW_INVALID");
    const paths = body.error.details.errors.map((e) => e.path);
    expect(paths).toContain("$.steps[0].next");
    expect(paths).toContain("$.steps[2].object");
    expect(paths).toContain("$.steps[3].text");
    expect((await stack.tern.store.flows.list()).length).toBe(before);

    const validate = await stack.http("POST", "/api/v1/flows/validate", flow);
    expect(validate.status).toBe(200);
    const result = (await validate.json()) as { valid: boolean; errors: Array<{ path: string }> };
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.path)).toEqual(expect.arrayContaining(paths));
  });

  it("answers malformed JSON on the admin API with 400 and unknown ids with 404", async () => {
    const res = await stack.http("POST", "/api/v1/flows", "{nope");
    expect(res.status).toBe(400);
    // Where it breaks, in the API's error shape.
    expect(await res.json()).toEqual({
      error: { code: "BAD_REQUEST", message: expect.stringMatching(/^Malformed JSON body: .*position 1/) },
    });
    expect((await stack.http("GET", "/api/v1/runs/run_missing")).status).toBe(404);
    expect((await stack.http("GET", "/api/v1/flows/flow_missing")).status).toBe(404);
    expect((await stack.http("POST", "/api/v1/connections/conn_missing/test")).status).toBe(404);
  });

  type ErrorBody = { error: { code: string; message: string } };

  it("says a JSON body was refused for a prototype key, not that it is malformed, and stores nothing", async () => {
    const before = (await (await stack.http("GET", "/api/v1/flows")).json()) as unknown[];
    for (const body of ['{"__proto__":{"x":1}}', '{"name":"f","constructor":{"prototype":{}}}']) {
      const res = await stack.http("POST", "/api/v1/flows", body);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as ErrorBody;
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(/"__proto__" key/);
      expect(error.message).not.toMatch(/Malformed/);
    }
    expect(await (await stack.http("GET", "/api/v1/flows")).json()).toEqual(before);
  });

  it("refuses a JSON body that is not UTF-8 or writes a key twice, saying where, and stores nothing", async () => {
    const before = await rowCounts(stack.database);
    const latin1 = Buffer.concat([Buffer.from('{"name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const cases: Array<[Buffer | string, RegExp]> = [
      // A Latin-1 "é" would have been stored as U+FFFD in the contact's name.
      [latin1, /not UTF-8 text: byte 0xE9 at line 1 column 13.*send the body as UTF-8/],
      [Buffer.from('\uFEFF{"name":"x"}', "utf16le"), /not UTF-8 but UTF-16/],
      // JSON.parse keeps the last "name"; a reviewer of the request reads the first.
      ['{"name":"Ada","attributes":{},"name":"Eve"}', /the key "name" is written twice in one object/],
    ];
    const contact = (await stack.tern.store.contacts.list())[0];
    const target = contact ? `/api/v1/contacts/${contact.id}` : "/api/v1/contacts/ct_missing00000000000";
    for (const [body, message] of cases) {
      const res = await stack.http("PATCH", target, body);
      expect(res.status, String(body)).toBe(400);
      const { error } = (await res.json()) as ErrorBody;
      expect(error).toEqual({ code: "BAD_REQUEST", message: expect.stringMatching(message) });
    }
    const flow = await stack.http("POST", "/api/v1/flows", '{"schema":"tern.flow/v1","name":"a","name":"b"}');
    expect(flow.status).toBe(400);
    // A byte order mark is JSON's to ignore (RFC 8259 §8.1), as before.
    const bom = await stack.http(
      "POST",
      "/api/v1/flows/validate",
      Buffer.from('\uFEFF{"schema":"tern.flow/v1"}'),
    );
    expect(bom.status).toBe(200);
    expect(await rowCounts(stack.database)).toEqual(before);
  });

  it("refuses a channel or connection change that names a key it does not have (type cannot change), changing nothing", async () => {
    const channel = `/api/v1/channels/${stack.setup.channelId}`;
    const before = await (await stack.http("GET", channel)).json();
    for (const body of [{ type: "telegram" }, { zzz: 1, name: "renamed" }]) {
      const res = await stack.http("PATCH", channel, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as ErrorBody).error.message).toMatch(/unknown field/);
    }
    expect(await (await stack.http("GET", channel)).json()).toEqual(before);
    const res = await stack.http("PATCH", `/api/v1/connections/${stack.setup.connectionId}`, { typo: 1 });
    expect(res.status).toBe(400);
    const created = await stack.http("POST", "/api/v1/connections", {
      type: "http",
      name: "typo",
      config: { baseUrl: "https://example.com" },
      confg: {},
    });
    expect(created.status).toBe(400);
  });

  it("refuses an http connection whose baseUrl carries user:password@ (it would be stored and shown as it is)", async () => {
    const secret = "pwInUrl-0123456789";
    const res = await stack.http("POST", "/api/v1/connections", {
      type: "http",
      name: "creds-in-url",
      config: { auth: "bearer", baseUrl: `https://user:${secret}@api.example.com/`, token: "t-0123456789" },
    });
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(text).toContain("no user:password@");
    expect(text).not.toContain(secret);
    const list = await (await stack.http("GET", "/api/v1/connections")).text();
    expect(list).not.toContain("creds-in-url");
  });

  it("answers a wrong content type 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const res = await stack.http("POST", "/api/v1/flows", "name=x", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as ErrorBody).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it('answers an empty id (a trailing slash) 400, not a search for the flow with id ""', async () => {
    const res = await stack.http("GET", "/api/v1/flows/");
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/params/);
  });

  it("refuses a path that is not percent-encoding, or a path segment over 100 characters, in the API's error shape without repeating the path", async () => {
    for (const path of ["/api/v1/flows/%ff%fe", "/api/v1/flows/%zz"]) {
      const res = await stack.http("GET", path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("BAD_REQUEST");
      expect(body.error.message).toMatch(/percent-encoding/);
    }
    const secretish = `tok_${"s".repeat(120)}`;
    const long = await stack.http("GET", `/api/v1/flows/${secretish}`);
    expect(long.status).toBe(414);
    const text = await long.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "URI_TOO_LONG" } });
    expect(text).not.toContain(secretish);
  });

  it("answers bytes that are not HTTP, and headers over 16 KB, in the API's error shape", async () => {
    const port = Number(new URL(stack.tern.url).port);
    const lying = await rawExchange(port, [
      "POST /api/v1/flows HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    ]);
    expect(lying.status).toBe(400);
    expect(lying.text).toContain('{"error":{"code":"BAD_REQUEST","message":"');
    expect(lying.text).toContain("Content-Length is given more than once");
    const both = await rawExchange(port, [
      "POST /api/v1/flows HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ]);
    expect(both.status).toBe(400);
    expect(both.text).toContain("both Content-Length and Transfer-Encoding");
    const negative = await rawExchange(port, [
      "POST /api/v1/flows HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    ]);
    expect(negative.status).toBe(400);
    expect(negative.text).toContain("Content-Length is not a valid length");
    const huge = await rawExchange(port, [
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    ]);
    expect(huge.status).toBe(431);
    expect(huge.text).toContain('"code":"HEADERS_TOO_LARGE"');
    expect((await fetch(`${stack.tern.url}/healthz`)).status).toBe(200);
  });

  it("refuses the admin API without the bearer token", async () => {
    const res = await fetch(`${stack.tern.url}/api/v1/flows`);
    expect(res.status).toBe(401);
    const wrong = await fetch(`${stack.tern.url}/api/v1/flows`, {
      headers: { authorization: "Bearer wrong-token" },
    });
    expect(wrong.status).toBe(401);
  });

  it("rejects a connection config that misses fields with 422 and paths, and never returns secrets", async () => {
    const res = await stack.http("POST", "/api/v1/connections", {
      type: "salesforce",
      name: "bad",
      config: { clientId: "x" },
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { details: { errors: Array<{ path: string }> } } };
    // No refreshToken is fine: a web server connection is "not connected" until its OAuth callback.
    expect(body.error.details.errors.map((e) => e.path)).toEqual(["$.config.clientSecret"]);
    const list = await (await stack.http("GET", "/api/v1/connections")).text();
    expect(list).not.toContain(stack.sandbox.sf.credentials.clientSecret);
    expect(list).not.toContain(stack.sandbox.sf.credentials.refreshToken);
    const channels = await (await stack.http("GET", "/api/v1/channels")).text();
    expect(channels).not.toContain(stack.sandbox.wa.config.appSecret);
    expect(channels).not.toContain(stack.sandbox.wa.config.accessToken);
    expect(JSON.parse(list).items[0].secrets).toEqual({ clientSecret: "set", refreshToken: "set" });
  });

  const secrets = () => [
    stack.sandbox.sf.credentials.clientSecret,
    stack.sandbox.sf.credentials.refreshToken,
    stack.sandbox.wa.config.appSecret,
    stack.sandbox.wa.config.accessToken,
  ];

  it("keeps secrets encrypted at rest: no row of any table holds one", async () => {
    // The connection and channel that hold them are stored (sealed), so there is something to read.
    expect(await rowCounts(stack.database)).toMatchObject({ connections: 1, channels: 1 });
    expect(await rowsMentioning(stack.database, secrets())).toEqual([]);
  });

  // The bytes of the file, free pages and WAL included; PostgreSQL's files are the server's.
  it.skipIf(testDialect !== "sqlite")("keeps secrets encrypted at rest in the SQLite file", async () => {
    const raw = readFileSync(stack.tern.dataDir.databasePath);
    const wal = (() => {
      try {
        return readFileSync(`${stack.tern.dataDir.databasePath}-wal`);
      } catch {
        return Buffer.alloc(0);
      }
    })();
    for (const secret of secrets()) {
      expect(raw.includes(secret)).toBe(false);
      expect(wal.includes(secret)).toBe(false);
    }
  });
});
