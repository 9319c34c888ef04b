import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tern } from "../../src/main.js";
import { startBareTern } from "../helpers/in-process.js";

/** Opens a socket, writes `bytes`, then sends nothing more; resolves with what came back and how long the server kept it. */
function stall(url: string, bytes: string): Promise<{ answer: string; heldMs: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let answer = "";
    socket.setTimeout(15_000, () => socket.destroy(new Error("the server never closed a stalled request")));
    socket.on("data", (d: Buffer) => {
      answer += d.toString();
    });
    socket.on("close", () => resolve({ answer, heldMs: Date.now() - started }));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" ? resolve({ answer, heldMs: Date.now() - started }) : reject(error),
    );
    socket.write(bytes);
  });
}

describe("a client that trickles bytes cannot hold a connection", () => {
  let tern: Tern;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ tern, close } = await startBareTern({ TERN_REQUEST_TIMEOUT_MS: "1000" }));
  });
  afterAll(async () => {
    await close();
  });

  it("answers 408 and closes a webhook whose body stalls, instead of waiting minutes", async () => {
    const head =
      "POST /webhooks/ch_any HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    const { answer, heldMs } = await stall(tern.url, `${head}{"object":`);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(heldMs).toBeLessThan(5_000);
    expect(await tern.store.inbox.count()).toBe(0);
  });

  it("closes a request whose headers never finish", async () => {
    const { heldMs } = await stall(tern.url, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a");
    expect(heldMs).toBeLessThan(5_000);
  });

  it("keeps answering other clients while stalled ones are held", async () => {
    const head =
      "POST /api/v1/flows HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n";
    const stalled = Array.from({ length: 20 }, () => stall(tern.url, head));
    const health = await fetch(`${tern.url}/healthz`);
    expect(health.status).toBe(200);
    const results = await Promise.all(stalled);
    for (const r of results) expect(r.heldMs).toBeLessThan(5_000);
  });
});
