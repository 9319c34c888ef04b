import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChannelSimulator } from "../../src/sandbox/channel-simulator.js";
import { channelSimulators } from "../../src/sandbox/simulators.js";
import { anyContentType, fuzzRuns, hostileBody, hostileQuery } from "../helpers/fuzz.js";
import { describeRequest, expect4xx, expectNo5xx, expectUp } from "../helpers/fuzz-http.js";
import { rawExchange, requestBytes } from "../helpers/raw-exchange.js";
import { type SpawnedStack, startSpawnedStack } from "../helpers/spawned-stack.js";

/**
 * Every channel's public webhook route against a real `tern serve` process, as an attacker tries
 * it: unsigned, wrongly signed, tampered and malformed deliveries with any content type and a
 * hostile query string get a 4xx and store nothing; an oversize body gets 413; the handshake
 * never answers a 5xx; the process stays up throughout.
 */
describe("hostile webhooks on every channel type", () => {
  let stack: SpawnedStack;
  const channels: Array<{ type: string; sim: ChannelSimulator; path: string; webhookUrl: string }> = [];
  beforeAll(async () => {
    stack = await startSpawnedStack();
    for (const [type, start] of Object.entries(channelSimulators)) {
      const sim = await start();
      const response = await fetch(`${stack.url}/api/v1/channels`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ type, name: `${type}-hostile`, config: sim.config }),
      });
      const created = (await response.json()) as { webhookUrl: string };
      expect(response.status, JSON.stringify(created)).toBe(201);
      channels.push({
        type,
        sim,
        path: new URL(created.webhookUrl).pathname,
        webhookUrl: created.webhookUrl,
      });
    }
  }, 120_000);
  afterAll(async () => {
    for (const c of channels) await c.sim.close();
    await stack?.close();
  });
  beforeEach(async () => {
    await stack.ensureUp();
  }, 60_000);

  const types = Object.keys(channelSimulators);
  /**
   * Telegram signs nothing: it echoes the secret token in a header. A changed body with the right
   * token is authentic as far as anyone can tell, so there the token is what gets tampered with,
   * and a garbage body with the right token may be acknowledged (200, nothing stored).
   */
  const secretInHeader: Record<string, string> = { telegram: "x-telegram-bot-api-secret-token" };
  it.each(types)(
    "%s: unsigned, tampered and malformed deliveries get a 4xx and store nothing (60 inputs)",
    async (type) => {
      const channel = channels.find((c) => c.type === type)!;
      const valid = channel.sim.webhook(channel.webhookUrl, { from: "9900123456", text: "hello" });
      const validUrl = new URL(valid.url);
      const tampered = (text: string) => {
        const bytes = Buffer.from(text);
        const at = Math.floor(bytes.length / 2);
        bytes[at] = (bytes[at] ?? 0) ^ 0x01;
        return bytes;
      };
      const mode = fc.constantFrom("unsigned", "tampered", "garbage-signed");
      const before = await stack.counts();
      await fc.assert(
        fc.asyncProperty(mode, hostileBody, hostileQuery, anyContentType, async (m, garbage, q, ct) => {
          const tokenHeader = secretInHeader[type];
          const isTokenTamper = m === "tampered" && tokenHeader !== undefined;
          const body =
            m === "tampered" ? (isTokenTamper ? Buffer.from(valid.body) : tampered(valid.body)) : garbage;
          // The provider's signature headers and query, on a body they do not sign.
          const headers: Record<string, string> =
            m === "unsigned"
              ? {}
              : isTokenTamper
                ? {
                    ...valid.headers,
                    [tokenHeader]: tampered(valid.headers[tokenHeader] ?? "x").toString("latin1"),
                  }
                : valid.headers;
          const query = m === "unsigned" ? q : `${validUrl.search || "?"}&${q.replace(/^\?/, "")}`;
          const request = requestBytes(
            "POST",
            `${channel.path}${query}`,
            {
              ...headers,
              ...(ct === undefined ? {} : { "content-type": ct }),
              "content-length": body.length,
            },
            body,
          );
          const answer = await rawExchange(stack.port, [request]);
          await expectUp(stack, describeRequest([request]));
          if (m === "garbage-signed" && tokenHeader) expectNo5xx(answer, describeRequest([request]));
          else expect4xx(answer, describeRequest([request]));
        }),
        fuzzRuns(60, { shrink: false }),
      );
      expect(await stack.counts()).toEqual(before);
    },
  );

  it.each(types)("%s: an oversize body gets 413 and the handshake never a 5xx", async (type) => {
    const channel = channels.find((c) => c.type === type)!;
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const oversize = requestBytes("POST", channel.path, { "content-length": big.length }, big);
    const answer = await rawExchange(stack.port, [oversize], 10_000);
    if (!answer.refusedMidRequest) expect(answer.status).toBe(413);
    await expectUp(stack, `${type} oversize`);
    await fc.assert(
      fc.asyncProperty(hostileQuery, async (q) => {
        const request = requestBytes("GET", `${channel.path}${q}`);
        const got = await rawExchange(stack.port, [request]);
        await expectUp(stack, describeRequest([request]));
        expectNo5xx(got, describeRequest([request]));
      }),
      fuzzRuns(30, { shrink: false }),
    );
  });
});
