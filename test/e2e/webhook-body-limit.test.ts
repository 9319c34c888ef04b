import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";
import { rawRequest } from "../helpers/raw-http.js";

/**
 * Brief F item 3: the handler wrote its 413 and destroyed the request at once, so a client
 * still sending its body saw a connection reset instead of the answer. A raw socket plays such
 * a client: it keeps writing the whole (over-limit) body while reading, and must find the
 * status line; the connection is closed after the answer, and the server keeps serving.
 */
const LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Sends the head, then the body in chunks as fast as the socket takes them, and reads the
 * answer only once it has written everything (as simple clients do); resolves with what was read.
 */
function sendLarge(
  baseUrl: string,
  path: string,
  bodyBytes: number,
  declaredLength = bodyBytes,
): Promise<{ answer: string; error?: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    socket.pause();
    let answer = "";
    let error: string | undefined;
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on("data", (d: Buffer) => {
      answer += d.toString("latin1");
      // A client that sent no body stops waiting for its turn once the answer is complete.
      if (bodyBytes === 0 && answer.endsWith("}")) socket.end();
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on("close", () => resolve({ answer, error }));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${declaredLength}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = (): void => {
      while (sent < bodyBytes && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) {
          socket.once("drain", pump);
          return;
        }
      }
      socket.resume();
    };
    pump();
  });
}

describe("a webhook body over the limit", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const webhookPath = () => new URL(stack.setup.webhookUrl).pathname;

  it("gets its 413 with connection: close, not a reset, while the client is still sending the body", async () => {
    for (let i = 0; i < 3; i++) {
      const { answer } = await sendLarge(stack.tern.url, webhookPath(), LIMIT_BYTES + 2 * 1024 * 1024);
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer.toLowerCase()).toContain("connection: close");
      expect(answer).toContain('"PAYLOAD_TOO_LARGE"');
    }
    expect(await stack.tern.store.inbox.count()).toBe(0);
    expect((await rawRequest(stack.tern.url, "GET", "/healthz")).status).toBe(200);
  });

  it("gets its 413 before sending the body when the declared Content-Length is over the limit", async () => {
    const { answer } = await sendLarge(stack.tern.url, webhookPath(), 0, LIMIT_BYTES + 1);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain("connection: close");
    expect((await rawRequest(stack.tern.url, "GET", "/healthz")).status).toBe(200);
  });
});
