import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startMessengerSimulator } from "../../src/sandbox/messenger/index.js";
import type { MetaMessagingSimulator } from "../../src/sandbox/meta-messaging/simulator.js";
import { textEvent } from "../../src/sandbox/meta-messaging/webhooks.js";
import { type ChannelStack, startChannelStack } from "../helpers/channel-stack.js";
import { eventually } from "../helpers/in-process.js";
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

describe("messenger: a send whose answer was lost is settled by its echo (message.metadata)", () => {
  let env: ChannelStack | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  async function greetingRow(stack: ChannelStack) {
    const contacts = (await (await stack.stack.http("GET", "/api/v1/contacts")).json()) as {
      items: Array<{ id: string }>;
    };
    const id = contacts.items[0]?.id;
    if (!id) return undefined;
    const view = (await (await stack.stack.http("GET", `/api/v1/contacts/${id}`)).json()) as {
      messages: Array<{ direction: string; text: string; status: string; providerMessageId: string | null }>;
    };
    return view.messages.find((m) => m.direction === "out" && m.text.includes("name"));
  }

  it("Meta accepted it and cut the connection: the echo settles it, the customer gets it once, the flow goes on", async () => {
    env = await startChannelStack("messenger", { env: { TERN_SEND_RECONCILE_MS: "10000" } });
    const sim = env.sim as MetaMessagingSimulator;
    sim.deliverEchoesTo(env.webhookUrl);
    sim.dropNext(1, { afterAccept: true });
    await sim.say(env.webhookUrl, { from: "7100", text: "Hi" });
    const question = await sim.waitForSent((s) => s.to === "7100" && s.text.includes("name"));
    const current = env;
    const row = await eventually(
      async () => {
        const found = await greetingRow(current);
        return found?.providerMessageId ? found : undefined;
      },
      8_000,
      "the greeting settled by its echo",
    );
    expect(row.providerMessageId).toBe(question.providerMessageId);
    await sim.say(env.webhookUrl, { from: "7100", text: "Grace Hopper" });
    await sim.waitForSent((s) => s.to === "7100" && s.text.includes("company"));
    expect(sim.dropped).toEqual([expect.objectContaining({ isAccepted: true })]);
    expect(sim.sent.filter((s) => s.text.includes("name"))).toHaveLength(1);
  });

  it("Meta never saw it: no echo comes, and after the reconcile window it is sent again, once", async () => {
    env = await startChannelStack("messenger", { env: { TERN_SEND_RECONCILE_MS: "600" } });
    const sim = env.sim as MetaMessagingSimulator;
    sim.deliverEchoesTo(env.webhookUrl);
    sim.dropNext(1);
    await sim.say(env.webhookUrl, { from: "7200", text: "Hi" });
    const question = await sim.waitForSent((s) => s.to === "7200" && s.text.includes("name"));
    const [drop] = sim.dropped;
    expect(drop).toMatchObject({ isAccepted: false });
    expect(question.receivedAt - (drop?.at ?? 0)).toBeGreaterThanOrEqual(580);
    await sim.say(env.webhookUrl, { from: "7200", text: "Ada" });
    await sim.waitForSent((s) => s.to === "7200" && s.text.includes("company"));
    expect(sim.sent.filter((s) => s.text.includes("name"))).toHaveLength(1);
  });
});

describe("messenger: what Tern does not send, or reads no further", () => {
  let env: ChannelStack | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("a message delivered a day late: nothing is sent, and the run fails naming Messenger's rule (message tags), not WhatsApp's", async () => {
    env = await startChannelStack("messenger");
    const sim = env.sim as MetaMessagingSimulator;
    const dayAndAnHourAgo = Date.now() - 25 * 3_600_000;
    const body = {
      object: "page",
      entry: [
        {
          id: sim.accountId,
          time: Date.now(),
          messaging: [
            textEvent({
              from: "7101",
              accountId: sim.accountId,
              mid: "m_late",
              text: "Hi",
              timestamp: dayAndAnHourAgo,
            }),
          ],
        },
      ],
    };
    expect((await sim.post(env.webhookUrl, body)).status).toBe(200);
    const run = await eventually(async () => {
      const runs = (await (await env!.stack.http("GET", "/api/v1/runs")).json()) as {
        items: Array<{ status: string; error?: { code: string; message: string } | null }>;
      };
      return runs.items.find((r) => r.status === "failed");
    });
    expect(run.error?.code).toBe("CHANNEL_SEND_FAILED");
    expect(run.error?.message).toMatch(/24 hours/);
    expect(run.error?.message).toMatch(/message tag/);
    expect(run.error?.message).not.toMatch(/template/);
    expect(sim.sent).toHaveLength(0);
  });

  it("is acknowledged (Meta would retry and disable the URL), starts nothing and is listed as rejected, naming the fix", async () => {
    env = await startChannelStack("messenger");
    const sim = env.sim as MetaMessagingSimulator;
    const body = { object: "user", entry: [{ id: "1001", time: Date.now(), changes: [{ field: "email" }] }] };
    expect((await sim.post(env.webhookUrl, body)).status).toBe(200);
    const rejected = await eventually(async () => {
      const page = (await (
        await env!.stack.http("GET", `/api/v1/channels/${env!.channelId}/rejected-events`)
      ).json()) as { items: Array<{ detail: string; item: unknown }> };
      return page.items.length > 0 ? page.items : undefined;
    });
    expect(rejected).toEqual([
      expect.objectContaining({
        detail: expect.stringMatching(/"user".*only the Messenger subscription/),
        item: { object: "user" },
      }),
    ]);
    expect(
      (await (await env.stack.http("GET", "/api/v1/runs")).json()) as { items: unknown[] },
    ).toMatchObject({
      items: [],
    });
    // A body that is no Meta envelope at all is still refused.
    expect((await sim.post(env.webhookUrl, { entry: [] })).status).toBe(400);
  });

  it("fails the run and shows the outbound message as failed, with Meta's reason, in the channel's recent deliveries", async () => {
    env = await startChannelStack("messenger");
    const sim = env.sim as MetaMessagingSimulator;
    sim.closeWindow("7201");
    expect((await sim.say(env.webhookUrl, { from: "7201", text: "Hi" })).status).toBe(200);
    await eventually(async () => {
      const runs = (await (await env!.stack.http("GET", "/api/v1/runs")).json()) as {
        items: Array<{ status: string }>;
      };
      return runs.items.some((r) => r.status === "failed") || undefined;
    });
    const recent = (await (
      await env.stack.http("GET", `/api/v1/channels/${env.channelId}/messages`)
    ).json()) as {
      items: Array<{ direction: string; status: string; errors?: Array<{ code: string; title: string }> }>;
    };
    const out = recent.items.filter((m) => m.direction === "out");
    expect(out).toHaveLength(1);
    expect(out[0]?.status).toBe("failed");
    // Why, in the channel's recent deliveries: Tern's error with Meta's words in it.
    expect(out[0]?.errors).toEqual([
      { code: "CHANNEL_SEND_FAILED", title: expect.stringMatching(/24|window|2018278/) },
    ]);
    expect(sim.sent).toHaveLength(0);
  });
});
