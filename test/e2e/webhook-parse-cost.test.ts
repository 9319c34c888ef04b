import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ChannelSimulator } from "../../src/sandbox/channel-simulator.js";
import { channelSimulators } from "../../src/sandbox/simulators.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * Twilio and Vonage sign the sorted, decoded form parameters, RCS the `message.data` of a JSON
 * envelope, and WeChat's safe mode the
 * <Encrypt> element of an XML document: the body must be read before its signature can be
 * checked. An unsigned 4 MiB post shaped to be slow to read (400,000 form fields, 500,000 XML
 * elements) held the event loop for 0.8 s (Twilio), 1.4 s (Vonage and RCS: nested arrays) and 2.5 s (WeChat); ten of
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
  rcs: {
    body: `{"message":{"data":"e30="},"x":${"[".repeat(EXPENSIVE_BYTES / 2 - 40)}${"]".repeat(EXPENSIVE_BYTES / 2 - 40)}}`,
    contentType: "application/json",
  },
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

/**
 * A delivery to a URL whose channel is gone may be a Meta app's other numbers (webhook-delivery.ts,
 * siblingOfDeleted): any /webhooks/<anything> path got there, and it parsed the body as JSON to read
 * its `object` before any signature was checked. 4 MiB of nested arrays held the event loop for a
 * second per unsigned post to a made-up URL. The signature is checked first now.
 */
describe("a post to the webhook URL of no channel", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("is refused 404 without its body being parsed while no Meta app's secret signs it", async () => {
    const body = `{"object":"whatsapp_business_account","entry":${"[".repeat(200_000)}${"]".repeat(200_000)}}`;
    const parse = vi.spyOn(JSON, "parse");
    try {
      const answer = await fetch(`${stack.tern.url}/webhooks/ch_madeUpByAStranger`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
        body,
      });
      expect(answer.status, await answer.text()).toBe(404);
      expect(
        parse.mock.calls.filter(([text]) => typeof text === "string" && text.length >= body.length),
      ).toEqual([]);
    } finally {
      parse.mockRestore();
    }
  });
});
