import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeRcsSignature } from "../../src/channels/rcs/verify.js";
import { startRcsSimulator } from "../../src/sandbox/rcs/simulator.js";
import {
  rcsEventRequest,
  userEvent,
  userTextMessage,
  webhookCheckBody,
} from "../../src/sandbox/rcs/webhooks.js";
import {
  type ChannelStack,
  deliveryRows,
  playLeadConversation,
  runsOf,
  startChannelStack,
} from "../helpers/channel-stack.js";
import { eventually } from "../helpers/in-process.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("RCS end to end through the simulator", () => {
  let env: ChannelStack;
  const from = "+12223334444";
  beforeEach(async () => {
    env = await startChannelStack("rcs");
  });
  afterEach(async () => {
    await env.close();
  });

  it("answers Google's webhook setup check with the secret, and a wrong client token 401", async () => {
    const clientToken = String(env.sim.config.clientToken);
    const ok = await fetch(env.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: webhookCheckBody(clientToken, "1234567890"),
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1234567890");
    const wrong = await fetch(env.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: webhookCheckBody("NOTTHETOKEN", "1234567890"),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(clientToken);
  });

  it("a signed user message → the lead template → a Lead, and the reply sent with a bearer token and a derived messageId", async () => {
    const { confirmation, leads } = await playLeadConversation(env, from);
    expect(leads).toHaveLength(1);
    expect(confirmation.text).toContain(leads[0]?.Id);
    const { request } = confirmation;
    const url = new URL(request.path, "http://x");
    expect(request.method).toBe("POST");
    expect(url.pathname).toBe(`/v1/phones/${from}/agentMessages`);
    expect(url.searchParams.get("agentId")).toBe(env.sim.config.agentId);
    expect(url.searchParams.get("messageId")).toMatch(UUID);
    expect(request.headers.authorization).toMatch(/^Bearer ya29\.sim-/);
    expect(request.body).toEqual({ contentMessage: { text: confirmation.text } });
    // One messageId per send (one per effect).
    const ids = env.sim.sent.map((s) => s.providerMessageId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("an event naming the agent with its @rbm.goog domain still reaches the channel configured without it", async () => {
    const agentId = `${String(env.sim.config.agentId)}@rbm.goog`;
    const { headers, body } = rcsEventRequest(
      userTextMessage({ agentId, from, text: "Hi" }),
      String(env.sim.config.clientToken),
    );
    expect((await fetch(env.webhookUrl, { method: "POST", headers, body })).status).toBe(200);
    const reply = await env.sim.waitForSent((s) => s.to === from);
    expect(reply.text.length).toBeGreaterThan(0);
    expect(await runsOf(env)).toHaveLength(1);
  });

  it("answers an event whose data changed by one byte 401 and stores nothing", async () => {
    const before = await deliveryRows(env);
    const data = userTextMessage({ agentId: String(env.sim.config.agentId), from, text: "Hi" });
    const signed = rcsEventRequest(data, String(env.sim.config.clientToken));
    const forged = rcsEventRequest({ ...data, text: "Ii" }, "guess");
    const response = await fetch(env.webhookUrl, {
      method: "POST",
      headers: signed.headers,
      body: forged.body,
    });
    expect(response.status).toBe(401);
    expect(await deliveryRows(env)).toEqual(before);
    expect(await runsOf(env)).toEqual([]);
    expect(env.sim.sent).toEqual([]);
  });

  it("a correctly signed event whose data is not JSON is acknowledged (Google retries refusals for days) and listed as rejected, starting nothing", async () => {
    const decoded = Buffer.from("not json at all", "utf8");
    const body = JSON.stringify({
      message: {
        data: decoded.toString("base64"),
        messageId: "pubsub-1",
        publishTime: new Date().toISOString(),
      },
      subscription: "projects/rbm-sim/subscriptions/rbm-sim",
    });
    const response = await fetch(env.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-goog-signature": computeRcsSignature(decoded, String(env.sim.config.clientToken)),
      },
      body,
    });
    expect(response.status).toBe(200);
    const rejected = await eventually(async () => {
      const page = (await (
        await env.stack.http("GET", `/api/v1/channels/${env.channelId}/rejected-events`)
      ).json()) as { items: Array<{ detail: string }> };
      return page.items.length > 0 ? page.items : undefined;
    });
    expect(rejected).toEqual([expect.objectContaining({ detail: expect.stringMatching(/not JSON/) })]);
    expect(await runsOf(env)).toEqual([]);
  });

  it("a READ event naming the customer's own message changes nothing: statuses are for what Tern sent", async () => {
    const said = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    const read = userEvent({
      agentId: String(env.sim.config.agentId),
      from,
      eventType: "READ",
      messageId: said.id,
    });
    const request = rcsEventRequest(read, String(env.sim.config.clientToken));
    expect((await fetch(env.webhookUrl, { method: "POST", ...request })).status).toBe(200);
    await env.stack.tern.worker.idle();
    const contacts = (await (await env.stack.http("GET", "/api/v1/contacts")).json()) as {
      items: Array<{ id: string }>;
    };
    const contact = (await (
      await env.stack.http("GET", `/api/v1/contacts/${contacts.items[0]?.id}`)
    ).json()) as {
      messages: Array<{ direction: string; text: string; status: string }>;
    };
    expect(contact.messages.find((m) => m.direction === "in" && m.text === "Hi")?.status).toBe("received");
  });

  it("a redelivered event (same messageId) makes no second run", async () => {
    const first = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
    const again = await env.sim.say(env.webhookUrl, { from, text: "Hi", id: first.id });
    expect(again.status).toBe(200);
    await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
    const next = await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
    expect(next.text).toContain("Grace Hopper");
    expect(await runsOf(env)).toHaveLength(1);
    expect(env.sim.sent).toHaveLength(2);
  });

  it("a phone without RCS: the reply fails for good with NOT_RCS_CAPABLE in the run history", async () => {
    // A second simulator, driven directly to mark the phone, behind a second RCS channel.
    const sim = await startRcsSimulator();
    try {
      sim.markNotRcsCapable(from);
      const response = await env.stack.http("POST", "/api/v1/channels", {
        type: "rcs",
        name: "rcs-no-rcs",
        config: sim.config,
      });
      const created = (await response.json()) as { webhookUrl: string };
      const { headers, body } = rcsEventRequest(
        userTextMessage({ agentId: sim.config.agentId, from, text: "Hi" }),
        sim.config.clientToken,
      );
      expect((await fetch(created.webhookUrl, { method: "POST", headers, body })).status).toBe(200);
      await expect.poll(() => sim.requests, { timeout: 10_000 }).toBeGreaterThan(0);
      const run = await eventually(async () => {
        const runs = (await runsOf(env)) as Array<{ id: string; status: string }>;
        return runs.find((r) => r.status === "failed");
      });
      const detail = JSON.stringify(await (await env.stack.http("GET", `/api/v1/runs/${run.id}`)).json());
      expect(detail).toContain("NOT_RCS_CAPABLE");
      expect(sim.requests).toBe(1);
      expect(sim.sends).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});
