import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelSimulator } from "../../src/sandbox/channel-simulator.js";
import { channelSimulators } from "../../src/sandbox/simulators.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * Twilio and Vonage sign the sorted, decoded form parameters, and WeChat's safe mode the
 * <Encrypt> element of an XML document: the body must be read before its signature can be
 * checked. An unsigned 4 MiB post shaped to be slow to read (400,000 form fields, 500,000 XML
 * elements) held the event loop for 0.8 s (Twilio), 1.4 s (Vonage) and 2.5 s (WeChat); ten of
 * them at once kept /healthz from answering for 38 s. Such bodies are refused 413 by size now,
 * before they are read, while the providers' own deliveries (a few KB) still get through.
 */
const EXPENSIVE_BYTES = 1024 * 1024;

const manyFields = (sigField: string) =>
  sigField +
  Array.from({ length: EXPENSIVE_BYTES / 12 }, (_, i) => `k${i}=v`)
    .join("&")
    .slice(0, EXPENSIVE_BYTES - sigField.length);

const expensive: Record<string, { body: string; contentType: string }> = {
  twilio: { body: manyFields(""), contentType: "application/x-www-form-urlencoded" },
  vonage: { body: manyFields(`sig=${"0".repeat(32)}&`), contentType: "application/x-www-form-urlencoded" },
  wechat: { body: `<xml>${"<a>x</a>".repeat(EXPENSIVE_BYTES / 8)}</xml>`, contentType: "text/xml" },
};

describe("webhooks whose signature needs the body read first", () => {
  let stack: Stack;
  const channels = new Map<string, { sim: ChannelSimulator; webhookUrl: string }>();
  beforeAll(async () => {
    stack = await startStack();
    for (const type of Object.keys(expensive)) {
      const sim = await (channelSimulators[type] as () => Promise<ChannelSimulator>)();
      const response = await stack.http("POST", "/api/v1/channels", {
        type,
        name: `${type}-cost`,
        config: sim.config,
      });
      const created = (await response.json()) as { webhookUrl: string };
      expect(response.status, JSON.stringify(created)).toBe(201);
      channels.set(type, { sim, webhookUrl: created.webhookUrl });
    }
  }, 60_000);
  afterAll(async () => {
    for (const { sim } of channels.values()) await sim.close();
    await stack?.close();
  });

  it.each(Object.keys(expensive))(
    "%s: a 1 MiB body with the provider's signature headers is refused 413 unread; its own deliveries get 200",
    async (type) => {
      const { sim, webhookUrl } = channels.get(type)!;
      const valid = sim.webhook(webhookUrl, {
        from: sim.type === "wechat" ? "oCost123" : "+15550101010",
        text: "hi",
      });
      const hostile = expensive[type]!;
      const before = await stack.tern.store.inbox.count();
      const answer = await fetch(valid.url, {
        method: "POST",
        headers: { ...valid.headers, "content-type": hostile.contentType },
        body: hostile.body,
      });
      const text = await answer.text();
      expect(answer.status, text).toBe(413);
      expect(JSON.parse(text)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
      expect(await stack.tern.store.inbox.count()).toBe(before);

      const delivered = await fetch(valid.url, { method: "POST", headers: valid.headers, body: valid.body });
      expect(delivered.status, await delivered.text()).toBe(200);
      expect(await stack.tern.store.inbox.count()).toBe(before + 1);
    },
  );
});
