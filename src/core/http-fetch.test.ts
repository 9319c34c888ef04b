import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FetchError, requestOutcome } from "./fetch.js";
import { createHttpFetch } from "./http-fetch.js";

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number | undefined;
}

describe("createHttpFetch", () => {
  let server: http.Server;
  let base: string;
  let received: Received[] = [];
  let connections = 0;
  /** Resolves each time a request to /hang arrives (which is never answered). */
  let hangArrived: () => void = () => {};
  /** Resolves when the server sees the client close an endless answer. */
  let endlessClosed: () => void = () => {};

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          remotePort: req.socket.remotePort,
        });
        switch (req.url) {
          case "/json":
            res.writeHead(200, { "Content-Type": "application/json", "X-Request-Id": "req-42" });
            res.end(JSON.stringify({ hello: "wörld", n: 1 }));
            return;
          case "/missing":
            res.writeHead(404, { "content-type": "application/json" });
            res.end(JSON.stringify({ error: { message: "no such thing" } }));
            return;
          case "/hang":
            hangArrived();
            return; // never answers
          case "/cut":
            req.socket.destroy(); // read the request, then the connection is gone
            return;
          case "/declared-huge":
            res.writeHead(200, { "content-length": String(64 * 1024 * 1024) });
            res.write("x");
            return;
          case "/endless": {
            res.writeHead(200, { "content-type": "application/octet-stream" });
            const chunk = Buffer.alloc(64 * 1024, 120);
            const pump = () => {
              while (!res.destroyed && res.write(chunk)) {}
            };
            res.on("drain", pump);
            res.on("close", () => endlessClosed());
            pump();
            return;
          }
          default:
            res.writeHead(200, { "content-type": "text/plain" });
            res.end("ok");
        }
      });
    });
    server.on("connection", () => {
      connections++;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    received = [];
  });

  it("returns the status, ok, headers by any case, text and json of a GET", async () => {
    const fetch = createHttpFetch();
    const res = await fetch(`${base}/json`);
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get("x-request-id")).toBe("req-42");
    expect(res.headers.get("X-REQUEST-ID")).toBe("req-42");
    expect(res.headers.get("Content-Type")).toBe("application/json");
    expect(res.headers.get("x-not-sent")).toBeNull();
    expect(await res.text()).toBe('{"hello":"wörld","n":1}');
    expect(await res.json()).toEqual({ hello: "wörld", n: 1 });
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe("GET");
    expect(received[0]!.body).toBe("");
  });

  it("accepts a URL object as well as a string", async () => {
    const fetch = createHttpFetch();
    const res = await fetch(new URL(`${base}/json?x=1`));
    expect(res.status).toBe(200);
    expect(received[0]!.url).toBe("/json?x=1");
  });

  it("sends a POST's string body, method, byte content-length and custom headers exactly", async () => {
    const fetch = createHttpFetch();
    const body = JSON.stringify({ text: "héllo ✓" });
    const res = await fetch(`${base}/echo`, {
      method: "POST",
      headers: { Authorization: "Bearer t0k3n", "Content-Type": "application/json", "X-Trace": "abc" },
      body,
    });
    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.method).toBe("POST");
    expect(got.url).toBe("/echo");
    expect(got.body).toBe(body);
    expect(got.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(Number(got.headers["content-length"])).toBeGreaterThan(body.length); // bytes, not characters
    expect(got.headers.authorization).toBe("Bearer t0k3n");
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["x-trace"]).toBe("abc");
  });

  it("takes headers as a Headers object, as pairs, or as an object whose names differ only in case", async () => {
    const fetch = createHttpFetch();
    await fetch(`${base}/json`, { headers: new Headers({ "X-One": "1", Accept: "text/plain" }) });
    await fetch(`${base}/json`, {
      headers: [
        ["X-One", "1"],
        ["x-one", "2"],
      ],
    });
    await fetch(`${base}/json`, { headers: { "X-One": " 1\t", "x-one": "2" } });
    expect(received.map((r) => r.headers["x-one"])).toEqual(["1", "1, 2", "1, 2"]);
    expect(received[0]?.headers.accept).toBe("text/plain");
  });

  it("refuses a header value that would split the request, sending nothing", async () => {
    const fetch = createHttpFetch();
    await expect(fetch(`${base}/json`, { headers: { "X-Bad": "a\r\nX-Injected: 1" } })).rejects.toThrow();
    await fetch(`${base}/json`);
    expect(received).toHaveLength(1);
    expect(received[0]?.headers["x-injected"]).toBeUndefined();
  });

  it("sends a URLSearchParams body form-encoded", async () => {
    const fetch = createHttpFetch();
    await fetch(`${base}/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "password", username: "a@b.c", password: "p&ss w=rd" }),
    });
    const got = received[0]!;
    expect(got.headers["content-type"]).toBe("application/x-www-form-urlencoded;charset=UTF-8");
    expect(got.body).toBe("grant_type=password&username=a%40b.c&password=p%26ss+w%3Drd");
    expect(got.headers["content-length"]).toBe(String(Buffer.byteLength(got.body)));
    expect(Object.fromEntries(new URLSearchParams(got.body))).toEqual({
      grant_type: "password",
      username: "a@b.c",
      password: "p&ss w=rd",
    });
  });

  it("gives ok false for a non-2xx status and still reads the body", async () => {
    const fetch = createHttpFetch();
    const res = await fetch(`${base}/missing`);
    expect(res.status).toBe(404);
    expect(res.ok).toBe(false);
    expect(await res.json()).toEqual({ error: { message: "no such thing" } });
  });

  it("rejects when the signal times out before the server answers", async () => {
    const fetch = createHttpFetch();
    const arrived = new Promise<void>((resolve) => {
      hangArrived = resolve;
    });
    const request = fetch(`${base}/hang`, { signal: AbortSignal.timeout(50) });
    await arrived;
    const error = await request.then(
      () => {
        throw new Error("expected the request to be aborted");
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const names = [(error as Error).name, ((error as Error).cause as Error | undefined)?.name];
    expect(names).toContain("AbortError");
  });

  it("rejects a refused connection with a TypeError whose cause is the socket error", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const fetch = createHttpFetch();
    const error = await fetch(`http://127.0.0.1:${port}/`).then(
      () => {
        throw new Error("expected the connection to be refused");
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("reuses one kept-alive connection for sequential requests", async () => {
    const fetch = createHttpFetch();
    const before = connections;
    const first = await fetch(`${base}/one`);
    await first.text();
    const second = await fetch(`${base}/two`, { method: "POST", body: "x" });
    await second.text();
    expect(received.map((r) => r.url)).toEqual(["/one", "/two"]);
    expect(connections - before).toBe(1);
    expect(received[1]!.remotePort).toBe(received[0]!.remotePort);
  });

  it("gives up on a server that never answers after the default time limit when the caller passes no signal", async () => {
    const fetch = createHttpFetch({ timeoutMs: 100 });
    const error = await rejection(fetch(`${base}/hang`));
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toMatchObject({ reason: "timeout", isRequestSent: true });
    expect(error.message).toContain("within 100 ms");
    // The request was written: the far side may have acted on it.
    expect(requestOutcome(error)).toBe("unknown");
  });

  it("takes a time limit per call", async () => {
    const fetch = createHttpFetch();
    const startedAt = Date.now();
    const error = await rejection(fetch(`${base}/hang`, { timeoutMs: 80 }));
    expect(error).toMatchObject({ reason: "timeout" });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it("aborts an endless answer at the size cap with a clear error, and closes the connection", async () => {
    const fetch = createHttpFetch({ maxResponseBytes: 1024 * 1024 });
    const closed = new Promise<void>((resolve) => {
      endlessClosed = resolve;
    });
    const error = await rejection(fetch(`${base}/endless`));
    expect(error).toMatchObject({ reason: "too_large", isRequestSent: true });
    expect(error.message).toContain("larger than 1048576 bytes");
    await closed;
  });

  it("takes a size cap per call", async () => {
    const fetch = createHttpFetch();
    const closed = new Promise<void>((resolve) => {
      endlessClosed = resolve;
    });
    const error = await rejection(fetch(`${base}/endless`, { maxResponseBytes: 100_000 }));
    expect(error.message).toContain("larger than 100000 bytes");
    await closed;
  });

  it("refuses an answer whose declared length is over the cap before reading it", async () => {
    const fetch = createHttpFetch({ maxResponseBytes: 1024 });
    const error = await rejection(fetch(`${base}/declared-huge`));
    expect(error).toMatchObject({ reason: "too_large" });
  });

  it("tells a connection cut after the request was written (outcome unknown) from a refused one (not sent)", async () => {
    const fetch = createHttpFetch();
    const cut = await rejection(fetch(`${base}/cut`, { method: "POST", body: "{}" }));
    expect(cut).toMatchObject({ isRequestSent: true, reason: "network" });
    expect(requestOutcome(cut)).toBe("unknown");

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await rejection(fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "{}" }));
    expect(refused).toMatchObject({ isRequestSent: false });
    expect(requestOutcome(refused)).toBe("not_sent");
  });
});

async function rejection(request: Promise<unknown>): Promise<Error> {
  return request.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (e: unknown) => e as Error,
  );
}
