import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpFetch } from "./http-fetch.js";

/**
 * A kept-alive connection the server closes for idleness must never carry a request at that
 * moment: the request would be reset after it was written (outcome unknown, a WhatsApp send held
 * 30 s for a status that never comes). Each test blocks the event loop across the instant the
 * server closes, then sends, which is how a busy process meets the race.
 */

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/**
 * A server that answers 200 and counts its connections. `dropIdleAfterMs`: no Keep-Alive hint,
 * and a connection destroyed that long after its last answer (as a proxy does).
 */
async function startServer(options: { keepAliveTimeout: number; dropIdleAfterMs?: number }) {
  let connections = 0;
  let lastAnswerAt = 0;
  const idleTimers = new WeakMap<Socket, NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    clearTimeout(idleTimers.get(req.socket));
    req.resume();
    req.on("end", () => res.end("ok"));
    res.on("finish", () => {
      lastAnswerAt = performance.now();
      const dropAfter = options.dropIdleAfterMs;
      if (dropAfter !== undefined)
        idleTimers.set(
          req.socket,
          setTimeout(() => req.socket.destroy(), dropAfter),
        );
    });
  });
  server.keepAliveTimeout = options.keepAliveTimeout;
  server.on("connection", () => {
    connections += 1;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    connections: () => connections,
    /** When the server's idle clock for the connection started (its last answer went out). */
    lastAnswerAt: () => lastAnswerAt,
  };
}

/**
 * Resolves at `until` (a performance.now() time), the last stretch spent with the event loop
 * blocked in a check-phase callback: the next loop turn runs the server's due idle timer before
 * it reads the request sent meanwhile.
 */
async function waitBusyUntil(until: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, until - performance.now() - 40));
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      while (performance.now() < until) {
        // a busy process: no timer fires and no socket is read until this ends
      }
      resolve();
    }),
  );
}

describe("createHttpFetch and idle kept-alive connections", () => {
  it("honours a Node server's Keep-Alive hint: no request on a connection the server is closing", async () => {
    // keepAliveTimeout 2 s: the server announces `Keep-Alive: timeout=2` and closes after 3 s.
    const server = await startServer({ keepAliveTimeout: 2_000 });
    const fetch = createHttpFetch();
    expect((await fetch(server.url, { method: "POST", body: "1" })).status).toBe(200);
    await waitBusyUntil(server.lastAnswerAt() + 3_010);
    const second = await fetch(server.url, { method: "POST", body: "2" });
    expect(second.status).toBe(200);
    expect(server.connections()).toBe(2);
  });

  it("closes its idle connections after idleSocketMs when the server gives no hint", async () => {
    // No Keep-Alive header; the server drops a connection 500 ms after its last answer.
    const server = await startServer({ keepAliveTimeout: 0, dropIdleAfterMs: 500 });
    const fetch = createHttpFetch({ idleSocketMs: 300 });
    const first = await fetch(server.url, { method: "POST", body: "1" });
    expect(first.headers.get("keep-alive")).toBeNull();
    await waitBusyUntil(server.lastAnswerAt() + 510);
    expect((await fetch(server.url, { method: "POST", body: "2" })).status).toBe(200);
    expect(server.connections()).toBe(2);
  });
});
