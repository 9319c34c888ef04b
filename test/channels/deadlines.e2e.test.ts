import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineChannel } from "../../src/channels/line/index.js";
import { wechatChannel } from "../../src/channels/wechat/index.js";
import type { ChannelSimulator, CustomerMessage } from "../../src/sandbox/channel-simulator.js";
import { startWeChatChannelSimulator } from "../../src/sandbox/wechat/channel-simulator.js";
import { type ChannelStack, leadFlowFor, startChannelStack } from "../helpers/channel-stack.js";

/**
 * LINE counts a webhook answered after 2 s as failed (request_timeout), WeChat drops the
 * connection after 5 s and retries. Tern answers once the delivery is durable and runs the flow
 * in the worker, so a Salesforce org that takes 5 s per call delays the reply — which then goes
 * out through push / the customer-service API — but never the acknowledgement.
 */
const SALESFORCE_LATENCY_MS = 5_000;

interface Channel {
  name: "line" | "wechat";
  sim: ChannelSimulator;
  webhookUrl: string;
  deadlineMs: number;
  customer: string;
}

describe("acknowledgement deadlines while Salesforce is slow", () => {
  let env: ChannelStack;
  let wechat: ChannelSimulator;
  let channels: Channel[];
  /** Every webhook answer's time, per channel. */
  const answered: Record<string, number[]> = { line: [], wechat: [] };

  async function say(channel: Channel, message: Omit<CustomerMessage, "from"> & { from?: string }) {
    const sentAt = Date.now();
    const startedAt = performance.now();
    const answer = await channel.sim.say(channel.webhookUrl, { from: channel.customer, ...message });
    const elapsedMs = performance.now() - startedAt;
    answered[channel.name]?.push(elapsedMs);
    expect(answer.status).toBe(200);
    return { answer, elapsedMs, sentAt };
  }

  beforeAll(async () => {
    const flow = { ...leadFlowFor("line"), trigger: { type: "message", channels: ["line", "wechat"] } };
    env = await startChannelStack("line", { flow });
    wechat = await startWeChatChannelSimulator({ mode: "safe" });
    const response = await env.stack.http("POST", "/api/v1/channels", {
      type: "wechat",
      name: "wechat-deadlines",
      config: wechat.config,
    });
    const created = (await response.json()) as { webhookUrl: string };
    channels = [
      {
        name: "line",
        sim: env.sim,
        webhookUrl: env.webhookUrl,
        deadlineMs: lineChannel.capabilities.ackDeadlineMs ?? 0,
        customer: "U00000000000000000000000000000a11",
      },
      {
        name: "wechat",
        sim: wechat,
        webhookUrl: created.webhookUrl,
        deadlineMs: wechatChannel.capabilities.ackDeadlineMs ?? 0,
        customer: "oDeadlineTestCustomer0000001",
      },
    ];
  });
  afterAll(async () => {
    await env?.close();
    await wechat?.close();
  });

  it("LINE and WeChat are acknowledged within 2 s / 5 s while Salesforce takes 5 s; the late reply arrives by push / custom/send", async () => {
    expect(channels.map((c) => c.deadlineMs)).toEqual([2_000, 5_000]);
    // The conversation up to the company question, on both channels at once.
    await Promise.all(
      channels.map(async (c) => {
        await say(c, { text: "Hi" });
        await c.sim.waitForSent((s) => s.to === c.customer && s.text.includes("name"));
        await say(c, { text: `Ada ${c.name}` });
        await c.sim.waitForSent((s) => s.to === c.customer && s.text.includes("company"));
      }),
    );

    env.stack.sandbox.sf.setDataLatency(SALESFORCE_LATENCY_MS);
    // The answer that makes the flow create the Lead: acknowledged at once on both channels.
    const finals = await Promise.all(channels.map((c) => say(c, { text: `Analytical Engines ${c.name}` })));
    // While the Lead is being created, other customers keep writing: also acknowledged at once.
    await Promise.all(channels.map((c) => say(c, { from: `${c.customer.slice(0, -1)}b`, text: "Hello?" })));

    const confirmations = await Promise.all(
      channels.map((c) =>
        c.sim.waitForSent(
          (s) => s.to === c.customer && s.text.includes("reference"),
          4 * SALESFORCE_LATENCY_MS,
        ),
      ),
    );
    for (const [i, c] of channels.entries()) {
      const lead = env.stack.sandbox.sf
        .records("Lead")
        .find((l) => l.Company === `Analytical Engines ${c.name}`);
      expect(lead, c.name).toBeDefined();
      const confirmation = confirmations[i];
      expect(confirmation?.text).toContain(lead?.Id);
      // The reply came long after the acknowledgement: through the send API, not the webhook answer.
      expect(confirmation?.receivedAt ?? 0).toBeGreaterThanOrEqual(
        (finals[i]?.sentAt ?? 0) + SALESFORCE_LATENCY_MS,
      );
    }
    expect(confirmations[0]?.request.path).toBe("/v2/bot/message/push");
    expect(confirmations[1]?.request.path).toMatch(/^\/cgi-bin\/message\/custom\/send\?access_token=/);
    expect(finals[1]?.answer.body).toBe("success");

    for (const c of channels) {
      const slowest = Math.max(...(answered[c.name] ?? []));
      expect(answered[c.name]).toHaveLength(4);
      expect(slowest, `${c.name}: slowest webhook answer ${slowest.toFixed(0)} ms`).toBeLessThan(
        c.deadlineMs,
      );
    }
  }, 60_000);
});
