import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startMessengerSimulator } from "../../src/sandbox/messenger/index.js";
import type { MetaMessagingSimulator } from "../../src/sandbox/meta-messaging/simulator.js";
import { textEvent } from "../../src/sandbox/meta-messaging/webhooks.js";
import { type ChannelStack, startChannelStack } from "../helpers/channel-stack.js";
import { describeMetaMessagingEndToEnd } from "../helpers/meta-messaging-e2e.js";

// A page-scoped id (PSID) of the shape Messenger sends.
describeMetaMessagingEndToEnd("messenger", "1254477777772919");

describe("messenger: one Meta app, many Pages, one callback URL", () => {
  let env: ChannelStack;
  let second: MetaMessagingSimulator;
  beforeEach(async () => {
    env = await startChannelStack("messenger");
    const first = env.sim as MetaMessagingSimulator;
    // Another Page of the same app: same app secret, its own id and token.
    second = await startMessengerSimulator({ accountId: "222333444555666", appSecret: first.appSecret });
    const created = await env.stack.http("POST", "/api/v1/channels", {
      type: "messenger",
      name: "second page",
      config: second.config,
    });
    expect(created.status).toBe(201);
  });
  afterEach(async () => {
    await second.close();
    await env.close();
  });

  it("routes each entry of one delivery to the channel of its Page, and each answers from its own Page", async () => {
    const first = env.sim as MetaMessagingSimulator;
    const now = Date.now();
    const body = {
      object: "page",
      entry: [
        {
          id: first.accountId,
          time: now,
          messaging: [textEvent({ from: "7001", accountId: first.accountId, mid: "m_page_a", text: "Hi" })],
        },
        {
          id: second.accountId,
          time: now,
          messaging: [textEvent({ from: "7002", accountId: second.accountId, mid: "m_page_b", text: "Hi" })],
        },
      ],
    };
    // Meta posts both Pages' events to the app's one URL: here, the first channel's.
    expect((await first.post(env.webhookUrl, body)).status).toBe(200);
    const a = await first.waitForSent((s) => s.to === "7001" && s.text.includes("name"));
    const b = await second.waitForSent((s) => s.to === "7002" && s.text.includes("name"));
    expect(a.request.path).toBe(`/v23.0/${first.accountId}/messages`);
    expect(b.request.path).toBe(`/v23.0/${second.accountId}/messages`);
    expect(first.sent.some((s) => s.to === "7002")).toBe(false);
  });
});
