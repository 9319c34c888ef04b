import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildTextWebhook, signWebhook } from "../../src/sandbox/whatsapp/index.js";
import { fuzzRuns, hostileBody } from "../helpers/fuzz.js";
import { describeRequest, expect4xx, expectNo5xx, expectUp } from "../helpers/fuzz-http.js";
import { type RawPart, rawExchange } from "../helpers/raw-exchange.js";
import { type SpawnedStack, startSpawnedStack } from "../helpers/spawned-stack.js";

/**
 * HTTP framing a stranger controls, on raw sockets against a real `tern serve` process: a
 * Content-Length that lies (shorter or longer than the body), broken chunked encoding, and bodies
 * that trickle in or are abandoned half-way. The process stays up and keeps answering others,
 * every complete request gets an answer that is not a 5xx, and no broken webhook is stored.
 */
describe("fuzz: HTTP framing on raw sockets", () => {
  let stack: SpawnedStack;
  beforeAll(async () => {
    stack = await startSpawnedStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    await stack.ensureUp();
  }, 60_000);

  /** The three kinds of handler behind the socket: raw webhook, Fastify admin route, health. */
  const target = fc.constantFrom("webhook", "admin", "health");
  const head = (kind: string, headers: Record<string, string | number | undefined>) => {
    const path =
      kind === "webhook"
        ? `/webhooks/${stack.setup.channelId}`
        : kind === "admin"
          ? "/api/v1/flows/validate"
          : "/healthz";
    const all: Record<string, string | number | undefined> = {
      host: "127.0.0.1",
      connection: "close",
      "content-type": "application/json",
      ...(kind === "admin" ? { authorization: `Bearer ${stack.adminToken}` } : {}),
      ...headers,
    };
    const lines = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${v}\r\n`);
    return Buffer.from(`POST ${path} HTTP/1.1\r\n${lines.join("")}\r\n`);
  };
  /** A signed, valid webhook: the framing alone decides whether it may be stored. */
  const signedWebhook = (id: string) => {
    const body = Buffer.from(JSON.stringify(buildTextWebhook({ from: "15550009999", text: "hi", id })));
    return { body, signature: signWebhook(body, stack.sandbox.wa.config.appSecret) };
  };
  let seq = 0;

  it("survives a Content-Length shorter or longer than the body (100 generated inputs)", async () => {
    const before = await stack.counts();
    await fc.assert(
      fc.asyncProperty(
        target,
        hostileBody,
        fc.boolean(),
        fc.integer({ min: 1, max: 4_096 }),
        async (kind, fuzzBody, isSigned, lie) => {
          const signed = signedWebhook(`wamid.cl${seq++}`);
          const body = kind === "webhook" && isSigned ? signed.body : fuzzBody;
          const extra = kind === "webhook" && isSigned ? { "x-hub-signature-256": signed.signature } : {};
          const isShorter = body.length > 0 && lie % 2 === 0;
          const declared = isShorter ? Math.max(0, body.length - 1 - (lie % body.length)) : body.length + lie;
          const parts = [head(kind, { ...extra, "content-length": declared }), body];
          // Longer: the server rightly waits for bytes that never come; the client gives up.
          const answer = await rawExchange(stack.port, parts, isShorter ? 3_000 : 60);
          if (isShorter) expectNo5xx(answer, describeRequest(parts));
          else if (!answer.timedOut) expectNo5xx(answer, describeRequest(parts));
          await expectUp(stack, describeRequest(parts));
        },
      ),
      fuzzRuns(100, { shrink: false }),
    );
    // A truncated signed webhook fails its signature; an incomplete one is never read to the end.
    expect(await stack.counts()).toEqual(before);
  });

  it("answers broken chunked encoding with a 4xx or waits for the rest, never a 5xx (100 generated inputs)", async () => {
    const chunkedBody = fc.oneof(
      fc.constant("zz\r\nabc\r\n0\r\n\r\n"), // size is not hex
      fc.constant("5\r\nab\r\n0\r\n\r\n"), // size larger than the data
      fc.constant("2\r\nabcdef\r\n0\r\n\r\n"), // size smaller than the data
      fc.constant("ffffffffffffffffff\r\nab\r\n0\r\n\r\n"), // size overflows
      fc.constant("-1\r\nab\r\n0\r\n\r\n"),
      fc.constant("3;\u0000=\u0001\r\nabc\r\n0\r\n\r\n"), // control bytes in an extension
      fc.constant("3\nabc\n0\n\n"), // bare LF line endings
      fc.constant("3\r\nabc\r\n0\r\nX-Trailer: \u0000\r\n\r\n"),
      fc.constant("3\r\nabc\r\n"), // never terminated
      fc.constant("3\r\nabc"), // cut mid-chunk
      hostileBody.map((b) => `${b.length.toString(16)}\r\n${b.toString("latin1")}\r\n0\r\n\r\n`), // well-formed
    );
    const framing = fc.constantFrom(
      { "transfer-encoding": "chunked" },
      { "transfer-encoding": "chunked", "content-length": 3 }, // request smuggling shape
      { "transfer-encoding": "chunked, chunked" },
      { "transfer-encoding": "gzip, chunked" },
      { "transfer-encoding": "xchunked" },
      { "transfer-encoding": " chunked" },
      { "transfer-encoding": "identity" },
    );
    const before = await stack.counts();
    await fc.assert(
      fc.asyncProperty(target, chunkedBody, framing, async (kind, body, headers) => {
        const parts: RawPart[] = [head(kind, headers), Buffer.from(body, "latin1")];
        const answer = await rawExchange(stack.port, parts, 150);
        if (!answer.timedOut) expectNo5xx(answer, describeRequest(parts));
        await expectUp(stack, describeRequest(parts));
      }),
      fuzzRuns(100, { shrink: false }),
    );
    expect(await stack.counts()).toEqual(before);
  });

  it("keeps answering others while bodies trickle in, and answers each finished slow body (15 generated inputs, 1-4 slow clients each)", async () => {
    const slowClient = fc.record({
      isSigned: fc.boolean(),
      isAbandoned: fc.boolean(),
      pieces: fc.integer({ min: 2, max: 8 }),
      pauseMs: fc.integer({ min: 10, max: 60 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(slowClient, { minLength: 1, maxLength: 4 }), async (clients) => {
        const before = (await stack.counts()).inbox;
        const exchanges = clients.map((c) => {
          const signed = signedWebhook(`wamid.slow${seq++}`);
          const headers = {
            "content-length": signed.body.length,
            ...(c.isSigned ? { "x-hub-signature-256": signed.signature } : {}),
          };
          const size = Math.ceil(signed.body.length / c.pieces);
          const parts: RawPart[] = [head("webhook", headers)];
          for (let i = 0; i < c.pieces; i++) {
            // An abandoned client stops before the last piece and hangs up.
            if (c.isAbandoned && i === c.pieces - 1) break;
            parts.push({ pauseMs: c.pauseMs }, signed.body.subarray(i * size, (i + 1) * size));
          }
          const timeoutMs = c.isAbandoned ? c.pieces * c.pauseMs + 100 : 5_000;
          return { c, parts, answer: rawExchange(stack.port, parts, timeoutMs) };
        });
        // While they trickle, the server answers a health check promptly.
        const health = await rawExchange(
          stack.port,
          ["GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"],
          1_000,
        );
        expect(health.status).toBe(200);
        let stored = 0;
        for (const { c, parts, answer } of exchanges) {
          const result = await answer;
          if (c.isAbandoned) continue;
          if (c.isSigned) {
            expect(result.status, describeRequest(parts)).toBe(200);
            stored++;
          } else {
            expect4xx(result, describeRequest(parts));
          }
        }
        await expectUp(stack, "slow bodies");
        // Exactly the finished, signed ones were stored; abandoned halves never are.
        expect((await stack.counts()).inbox).toBe(before + stored);
      }),
      fuzzRuns(15, { shrink: false }),
    );
  });
});
