import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startLineSimulator } from "../../src/sandbox/line/simulator.js";
import { callbackBody, newWebhookEventId, signLineBody, textEvent } from "../../src/sandbox/line/webhooks.js";
import {
  type ChannelStack,
  deliveryRows,
  playLeadConversation,
  runsOf,
  startChannelStack,
} from "../helpers/channel-stack.js";

describe("LINE end to end through the simulator", () => {
  let env: ChannelStack;
  const from = "U1234567890abcdef1234567890abcdef";
  beforeEach(async () => {
    env = await startChannelStack("line");
  });
  afterEach(async () => {
    await env.close();
  });

  it("a signed webhook in → the lead template → a Lead, and the reply pushed with the token and a retry key", async () => {
    const { confirmation, leads } = await playLeadConversation(env, from);
    expect(leads).toHaveLength(1);
    expect(confirmation.text).toContain(leads[0]?.Id);
    const { request } = confirmation;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/v2/bot/message/push");
    expect(request.headers.authorization).toBe(`Bearer ${String(env.sim.config.channelAccessToken)}`);
    expect(request.headers["x-line-retry-key"]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(request.body).toEqual({ to: from, messages: [{ type: "text", text: confirmation.text }] });
    // Every reply carried its own key (one per effect).
    const keys = env.sim.sent.map((s) => s.request.headers["x-line-retry-key"]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("answers a webhook changed by one byte 401 and stores nothing", async () => {
    const before = await deliveryRows(env);
    const signed = env.sim.webhook(env.webhookUrl, { from, text: "Hi" });
    const body = Buffer.from(signed.body);
    const at = body.indexOf("Hi");
    body[at] = (body[at] ?? 0) ^ 0x01; // "Hi" → "Ii"
    const response = await fetch(signed.url, { method: "POST", headers: signed.headers, body });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain(String(env.sim.config.channelSecret));
    expect(await deliveryRows(env)).toEqual(before);
    expect(await runsOf(env)).toEqual([]);
    expect(env.sim.sent).toEqual([]);
  });

  it("a redelivered webhook (same webhookEventId, isRedelivery) makes no second run", async () => {
    const first = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    const inbox = async () => Object.entries(await deliveryRows(env)).filter(([t]) => t.includes("inbox"));
    const before = await inbox();
    expect(before.map(([table]) => table)).toEqual(["inbox"]);
    const again = await env.sim.say(env.webhookUrl, { from, text: "Hi", id: first.id });
    expect(again.status).toBe(200);
    // Acknowledged, and nothing stored: the inbox is unique per channel and provider id.
    expect(await inbox()).toEqual(before);
    // Had the copy been processed, "Hi" would have answered the name question.
    await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
    const next = await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    expect(next.text).toContain("Grace Hopper");
    expect(await runsOf(env)).toHaveLength(1);
    expect(env.sim.sent).toHaveLength(2);
  });

  it("a push whose answer was lost is sent again with the same retry key, and LINE's 409 counts as sent", async () => {
    // A second simulator, driven directly for its fault control, behind a second LINE channel.
    const sim = await startLineSimulator();
    try {
      const response = await env.stack.http("POST", "/api/v1/channels", {
        type: "line",
        name: "line-lost-answer",
        config: sim.config,
      });
      const created = (await response.json()) as { webhookUrl: string };
      sim.dropNextAfterAccept(1);
      const body = callbackBody([
        textEvent({ userId: from, webhookEventId: "01HZX3V9Q4K8M2N6P0R5T7W1YB", text: "Hi" }),
      ]);
      const answer = await fetch(created.webhookUrl, {
        method: "POST",
        headers: signLineBody(body, sim.config.channelSecret),
        body,
      });
      expect(answer.status).toBe(200);
      // Two requests reached LINE: the accepted one whose answer was cut, and the resend that
      // LINE refused with 409 for its repeated key. The customer got one message.
      await expect.poll(() => sim.requests, { timeout: 10_000 }).toBe(2);
      expect(sim.pushes).toHaveLength(1);
      expect(sim.pushes[0]?.text).toContain("name");
      await expect
        .poll(async () => ((await runsOf(env)) as Array<{ status: string }>).map((r) => r.status), {
          timeout: 5_000,
        })
        .toEqual(["waiting"]);
    } finally {
      await sim.close();
    }
  });

  it("with replyWithToken: each answer goes free with its message's reply token; a refused or lapsed one is pushed, a lost reply is not repeated", async () => {
    const sim = await startLineSimulator();
    try {
      const response = await env.stack.http("POST", "/api/v1/channels", {
        type: "line",
        name: "line-replies",
        config: { ...sim.config, replyWithToken: true },
      });
      expect(response.status).toBe(201);
      const created = (await response.json()) as { webhookUrl: string; config: Record<string, unknown> };
      // Not a boolean: refused, nothing created.
      const channels = (
        (await (await env.stack.http("GET", "/api/v1/channels")).json()) as { items: unknown[] }
      ).items;
      const wrong = await env.stack.http("POST", "/api/v1/channels", {
        type: "line",
        name: "line-wrong",
        config: { ...sim.config, replyWithToken: "yes" },
      });
      expect(wrong.status).toBe(422);
      expect(await wrong.text()).toContain("replyWithToken");
      const after = ((await (await env.stack.http("GET", "/api/v1/channels")).json()) as { items: unknown[] })
        .items;
      expect(after).toHaveLength(channels.length);
      expect(created.config.replyWithToken).toBe(true);
      const say = async (text: string, token: string, timestamp = Date.now()) => {
        const body = callbackBody([
          textEvent({
            userId: from,
            webhookEventId: newWebhookEventId(),
            text,
            replyToken: token,
            timestamp,
          }),
        ]);
        const answer = await fetch(created.webhookUrl, {
          method: "POST",
          headers: signLineBody(body, sim.config.channelSecret),
          body,
        });
        expect(answer.status).toBe(200);
      };
      const nth = (n: number) =>
        sim.waitForPush(() => sim.pushes.length >= n, 10_000).then(() => sim.pushes[n - 1]);

      // The lead template answered by reply, every time: free for the account.
      await say("Hi", sim.issueReplyToken(from));
      const question = await nth(1);
      expect(question).toMatchObject({ via: "reply", to: from, retryKey: undefined });
      expect(question?.text).toContain("name");
      expect(Object.keys(question?.body as object).sort()).toEqual(["messages", "replyToken"]);
      await say("Grace Hopper", sim.issueReplyToken(from));
      expect((await nth(2))?.via).toBe("reply");
      await say("Navy", sim.issueReplyToken(from));
      const confirmation = await nth(3);
      const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Navy");
      expect(leads).toHaveLength(1);
      expect(confirmation).toMatchObject({ via: "reply", to: from });
      expect(confirmation?.text).toContain(leads[0]?.Id);

      // A token LINE refuses (here: one it never issued) → the same answer by push, once.
      await say("Hi", "0123456789abcdef0123456789abcdef");
      const pushed = await nth(4);
      expect(pushed).toMatchObject({ via: "push", to: from });
      expect(pushed?.retryKey).toMatch(/^[0-9a-f-]{36}$/);
      // An event older than the token's life: not tried at all, pushed.
      const before = sim.requests;
      await say("Grace Hopper", sim.issueReplyToken(from, Date.now() - 40_000), Date.now() - 40_000);
      expect((await nth(5))?.via).toBe("push");
      expect(sim.requests).toBe(before + 1);
      // A reply LINE took but whose answer was cut: settled as unknown, never pushed after it.
      sim.dropNextAfterAccept(1);
      await say("Navy", sim.issueReplyToken(from));
      expect((await nth(6))?.via).toBe("reply");
      await expect
        .poll(async () => ((await runsOf(env)) as Array<{ status: string }>).map((r) => r.status).sort(), {
          timeout: 10_000,
        })
        .toEqual(["completed", "completed"]);
      await new Promise((r) => setTimeout(r, 300));
      expect(sim.pushes).toHaveLength(6);
    } finally {
      await sim.close();
    }
  });
});
