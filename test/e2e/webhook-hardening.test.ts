import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { buildTextWebhook, postWebhook, signWebhook } from "../../src/sandbox/whatsapp/index.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "../helpers/dialect.js";
import { type Stack, startStack } from "../helpers/in-process.js";
import { rawRequest, rawSocket } from "../helpers/raw-http.js";
import { faultInWrites } from "../helpers/store-faults.js";

const MALFORMED: Array<[method: string, path: string]> = [
  ["POST", "/webhooks/%E0%A4%A"],
  ["GET", "/webhooks/%E0%A4%A"],
  ["POST", "/webhooks/%"],
  ["GET", "/webhooks/%"],
  ["GET", "/webhooks/%?hub.mode=subscribe"],
  ["PUT", "/webhooks/%ZZ"],
];

describe("no request, however malformed, ends the server", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const isUp = async () => (await rawRequest(stack.tern.url, "GET", "/healthz")).status === 200;

  for (const [method, path] of MALFORMED) {
    it(`answers ${method} ${path} (malformed percent-encoding) with 400 and keeps serving`, async () => {
      const res = await rawRequest(stack.tern.url, method, path, {
        headers: { "content-type": "application/json" },
        ...(method === "GET" ? {} : { body: '{"object":"whatsapp_business_account","entry":[]}' }),
      });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "BAD_REQUEST" } });
      expect(await isUp()).toBe(true);
    });
  }

  it("answers a webhook with broken chunked encoding with 400, storing nothing, and keeps serving", async () => {
    const webhookPath = new URL(stack.setup.webhookUrl).pathname;
    const answer = await rawSocket(
      stack.tern.url,
      `POST ${webhookPath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"obj\r\nZZ\r\nnot hex\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(await stack.tern.store.inbox.count()).toBe(0);
    expect(await isUp()).toBe(true);
  });

  it("answers a webhook whose body stops before its Content-Length by closing, and keeps serving", async () => {
    const webhookPath = new URL(stack.setup.webhookUrl).pathname;
    await rawSocket(
      stack.tern.url,
      `POST ${webhookPath} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 500\r\n\r\n{"object":`,
      300,
    );
    expect(await stack.tern.store.inbox.count()).toBe(0);
    expect(await isUp()).toBe(true);
  });

  it("answers 500 to a request whose handling throws synchronously, logs it, and keeps serving", async () => {
    // Stands in for a future bug on the request path: reading the URL throws inside the listener.
    const server = stack.tern.app.server;
    const breakUrl = (req: { url?: string }) => {
      if (req.url !== "/webhooks/boom") return;
      Object.defineProperty(req, "url", {
        get() {
          throw new TypeError("a bug on the request path");
        },
      });
    };
    server.prependListener("request", breakUrl);
    try {
      const res = await rawRequest(stack.tern.url, "POST", "/webhooks/boom", { body: "{}" });
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body)).toEqual({
        error: { code: "INTERNAL", message: "Internal error; see the server log" },
      });
    } finally {
      server.off("request", breakUrl);
    }
    expect(await isUp()).toBe(true);
  });

  it("answers 503 with Retry-After while the database is unavailable, and stores the redelivery once it is back", async () => {
    const fault = faultInWrites(
      stack.tern.store,
      "inbox",
      "ingest",
      () => new Error("Connection terminated unexpectedly"),
    );
    const body = buildTextWebhook({ from: "15550002222", text: "while down" });
    let before = 0;
    try {
      before = await stack.tern.store.inbox.count();
      for (let i = 0; i < 3; i++) {
        const res = await postWebhook(stack.setup.webhookUrl, body, stack.sandbox.wa.config.appSecret);
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("5");
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
      }
    } finally {
      fault.restore();
    }
    // Meta's redelivery of the same message, once the database is back.
    const res = await postWebhook(stack.setup.webhookUrl, body, stack.sandbox.wa.config.appSecret);
    expect(res.status).toBe(200);
    expect(await stack.tern.store.inbox.count()).toBe(before + 1);
  });

  it("answers 500 to a webhook whose storage throws unexpectedly, for that request alone", async () => {
    const stored = await stack.tern.store.inbox.count();
    const fault = faultInWrites(
      stack.tern.store,
      "inbox",
      "ingest",
      () => new TypeError("a bug while storing"),
    );
    try {
      const res = await postWebhook(
        stack.setup.webhookUrl,
        buildTextWebhook({ from: "15550001111", text: "hi" }),
        stack.sandbox.wa.config.appSecret,
      );
      expect(res.status).toBe(500);
      expect(fault.calls()).toBe(1);
    } finally {
      fault.restore();
    }
    const ok = await postWebhook(
      stack.setup.webhookUrl,
      buildTextWebhook({ from: "15550001111", text: "hi again" }),
      stack.sandbox.wa.config.appSecret,
    );
    expect(ok.status).toBe(200);
    expect(await stack.tern.store.inbox.count()).toBe(stored + 1);
  });

  it("takes a webhook and a handshake whose request line names the whole URL (absolute-form), as a proxy may send them", async () => {
    // RFC 9112 §3.2.2: a server must accept the absolute-form; the admin API's routes always did.
    const webhookUrl = stack.setup.webhookUrl;
    const body = JSON.stringify(buildTextWebhook({ from: "15550002222", text: "hi" }));
    const signature = signWebhook(body, stack.sandbox.wa.config.appSecret);
    const stored = await stack.tern.store.inbox.count();
    const posted = await rawSocket(
      stack.tern.url,
      `POST ${webhookUrl} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ${signature}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(posted).toMatch(/^HTTP\/1\.1 200/);
    expect(await stack.tern.store.inbox.count()).toBe(stored + 1);
    const verifyToken = stack.sandbox.wa.config.verifyToken;
    const challenged = await rawSocket(
      stack.tern.url,
      `GET ${webhookUrl}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=4711 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(challenged).toMatch(/^HTTP\/1\.1 200/);
    // The challenge is the whole body (chunked: its size line, then the text).
    expect(challenged.split("\r\n\r\n")[1]).toMatch(/^(4\r\n)?4711(\r\n0)?/);
  });

  it("answers a delivery followed by bytes that are not HTTP (a Content-Length shorter than the body) with its own 200 first, then closes", async () => {
    // HTTP/1.1 answers in order: a 400 for the trailing bytes, written while the delivery was
    // still being stored, was read by the provider as the answer to the delivery (retried, and
    // counted against the webhook) although the message was stored.
    const body = JSON.stringify(buildTextWebhook({ from: "15550003333", text: "hi" }));
    const signature = signWebhook(body, stack.sandbox.wa.config.appSecret);
    const stored = await stack.tern.store.inbox.count();
    const answer = await rawSocket(
      stack.tern.url,
      `POST ${stack.setup.webhookUrl} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ${signature}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}GARBAGE NOT HTTP\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
    expect(await stack.tern.store.inbox.count()).toBe(stored + 1);
    expect(await isUp()).toBe(true);
  });

  it("answers an unsigned webhook to a malformed-but-decodable channel id with 404", async () => {
    const body = JSON.stringify(buildTextWebhook({ from: "15550001111", text: "hi" }));
    const res = await rawRequest(stack.tern.url, "POST", "/webhooks/%E2%82%AC", {
      headers: { "x-hub-signature-256": signWebhook(body, "x") },
      body,
    });
    expect(res.status).toBe(404);
  });

  it("answers a made-up channel id of 15,000 characters 404 without repeating it whole", async () => {
    const id = `ch_${"x".repeat(15_000)}`;
    const res = await rawRequest(stack.tern.url, "POST", `/webhooks/${id}`, {
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(404);
    expect(res.body).toContain("No channel with id");
    expect(res.body.length).toBeLessThan(500);
  });
});

describe("the tern serve process survives what a stranger sends", () => {
  let tern: TernProcess;
  let dataDir: string;
  let database: TestDatabaseEnv;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-"));
    const secrets = processSecrets();
    database = await testDatabaseEnv(secrets);
    tern = await spawnTern({ dataDir, ...secrets, env: database.env });
  });
  afterAll(async () => {
    await tern.stop();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers every malformed webhook path with 400 and is still running after them", async () => {
    for (const [method, path] of MALFORMED) {
      const res = await rawRequest(tern.url, method, path, method === "GET" ? {} : { body: "{}" });
      expect(res.status, `${method} ${path}`).toBe(400);
    }
    expect((await rawRequest(tern.url, "GET", "/healthz")).status).toBe(200);
    expect(tern.child.exitCode).toBeNull();
  });
});

describe("an unhandled promise rejection in the server process", () => {
  it("is logged with its stack and counted, and the process keeps running", async () => {
    // The guard `tern serve` installs, in a process of its own (a rejection would end it otherwise).
    const script = `
      import { createLogger } from "./dist/src/core/logger.js";
      import { createMetrics } from "./dist/src/core/metrics.js";
      import { installProcessGuard } from "./dist/src/server/process-guard.js";
      const metrics = createMetrics();
      installProcessGuard({ logger: createLogger("info"), metrics });
      Promise.reject(new Error("nobody awaited me"));
      setTimeout(() => {
        process.stdout.write("still running; " + metrics.render().join(" | ") + "\\n");
      }, 50);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: packageRoot() });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, out).toBe(0);
    expect(out).toContain("unhandled promise rejection");
    expect(out).toMatch(/"stack":"Error: nobody awaited me\\n\s+at /);
    expect(out).toContain("still running; ");
    expect(out).toContain("tern_unhandled_rejections_total 1");
  });
});
