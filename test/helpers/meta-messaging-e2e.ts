import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MetaMessagingSimulator } from "../../src/sandbox/meta-messaging/simulator.js";
import { deliveryEvent, echoEvent, envelope, newMid } from "../../src/sandbox/meta-messaging/webhooks.js";
import { type ChannelStack, startChannelStack } from "./channel-stack.js";
import { eventually } from "./in-process.js";

/**
 * The end-to-end behaviour Messenger and Instagram share (one webhook envelope, one Send API):
 * run by test/channels/messenger.e2e.test.ts and instagram.e2e.test.ts, each on its own
 * simulator and a fresh Tern.
 */
export function describeMetaMessagingEndToEnd(type: "messenger" | "instagram", customer: string): void {
  describe(`${type} end to end through its simulator`, () => {
    let env: ChannelStack;
    let sim: MetaMessagingSimulator;
    beforeEach(async () => {
      env = await startChannelStack(type);
      sim = env.sim as MetaMessagingSimulator;
    });
    afterEach(async () => {
      await env.close();
    });

    const runs = async () =>
      ((await (await env.stack.http("GET", "/api/v1/runs")).json()) as { items: unknown[] }).items;

    it("a signed webhook in → the lead template → a Lead, and the replies as the Send API expects them", async () => {
      expect((await sim.say(env.webhookUrl, { from: customer, text: "Hi" })).status).toBe(200);
      const question = await sim.waitForSent((s) => s.to === customer && s.text.includes("name"));
      // Exactly the request Meta documents: path with the account id, bearer token, JSON body.
      const token = String(sim.config[sim.product.tokenKey]);
      expect(question.request.path).toBe(`/v23.0/${sim.accountId}/messages`);
      expect(question.request.headers.authorization).toBe(`Bearer ${token}`);
      expect(question.request.headers["content-type"]).toBe("application/json");
      expect(question.request.body).toEqual({
        recipient: { id: customer },
        messaging_type: "RESPONSE",
        // Messenger: the effect key rides along as metadata, to come back on the echo.
        message: { text: question.text, ...(type === "messenger" ? { metadata: expect.any(String) } : {}) },
      });
      await sim.say(env.webhookUrl, { from: customer, text: "Grace Hopper" });
      await sim.waitForSent((s) => s.to === customer && s.text.includes("company"));
      await sim.say(env.webhookUrl, { from: customer, text: "Navy" });
      const confirmation = await sim.waitForSent((s) => s.to === customer && s.text.includes("reference"));
      const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Navy");
      expect(leads).toHaveLength(1);
      expect(leads[0]?.LastName).toBe("Grace Hopper");
      expect(confirmation.text).toContain(leads[0]?.Id);
    });

    it("answers Meta's hub.challenge with the verify token (403 otherwise), another product's delivery with 200 and a signed foreign body with 400", async () => {
      const handshake = (token: string) =>
        fetch(
          `${env.webhookUrl}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`,
        );
      const ok = await handshake(String(sim.config.verifyToken));
      expect([ok.status, await ok.text()]).toEqual([200, "1158201444"]);
      expect((await handshake("not-the-token")).status).toBe(403);
      // Signed with the right secret: another product's envelope is acknowledged and read no further
      // (Meta would retry it and disable the URL); a bare JSON string is no envelope at all: 400.
      const other = sim.product.object === "page" ? "instagram" : "page";
      expect((await sim.post(env.webhookUrl, { object: other, entry: [] })).status).toBe(200);
      expect((await sim.post(env.webhookUrl, "not json")).status).toBe(400);
      expect(await runs()).toEqual([]);
    });

    it("answers a webhook changed by one byte with 401 and stores nothing", async () => {
      const request = sim.webhook(env.webhookUrl, { from: customer, text: "Hi" });
      const tampered = request.body.replace('"Hi"', '"Hj"');
      expect(tampered).not.toBe(request.body);
      const refused = await fetch(request.url, { method: "POST", headers: request.headers, body: tampered });
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain(sim.appSecret);
      expect(await runs()).toEqual([]);
      // Nothing was stored under its message id: the authentic delivery of the same mid starts the flow.
      const accepted = await fetch(request.url, {
        method: "POST",
        headers: request.headers,
        body: request.body,
      });
      expect(accepted.status).toBe(200);
      await sim.waitForSent((s) => s.to === customer && s.text.includes("name"));
      expect(await runs()).toHaveLength(1);
      expect(env.stack.sandbox.sf.records("Lead")).toHaveLength(0);
    });

    it("a redelivered webhook (same mid) makes no second run and is not taken as the next answer", async () => {
      const first = sim.webhook(env.webhookUrl, { from: customer, text: "Hi" });
      const post = () => fetch(first.url, { method: "POST", headers: first.headers, body: first.body });
      expect((await post()).status).toBe(200);
      await sim.waitForSent((s) => s.to === customer && s.text.includes("name"));
      expect((await post()).status).toBe(200);
      await sim.say(env.webhookUrl, { from: customer, text: "Ada" });
      const next = await sim.waitForSent((s) => s.to === customer && s.text.includes("company"));
      expect(next.text).toContain("Ada");
      expect(await runs()).toHaveLength(1);
      expect(sim.sent.filter((s) => s.text.includes("name"))).toHaveLength(1);
    });

    it(`a ${type === "messenger" ? "delivery" : "seen"} webhook for Tern's reply updates that message's status`, async () => {
      await sim.say(env.webhookUrl, { from: customer, text: "Hi" });
      const question = await sim.waitForSent((s) => s.to === customer && s.text.includes("name"));
      const who = { from: customer, accountId: sim.accountId };
      // Messenger reports deliveries by mid; Instagram only `messaging_seen` with the read mid.
      const event =
        type === "messenger"
          ? deliveryEvent({ ...who, mids: [question.providerMessageId] })
          : {
              sender: { id: customer },
              recipient: { id: sim.accountId },
              timestamp: Date.now(),
              read: { mid: question.providerMessageId },
            };
      expect((await sim.post(env.webhookUrl, envelope(sim.product, sim.accountId, event))).status).toBe(200);
      const expected = type === "messenger" ? "delivered" : "read";
      await eventually(
        async () => {
          const contacts = (await (await env.stack.http("GET", "/api/v1/contacts")).json()) as {
            items: Array<{ id: string }>;
          };
          const contact = contacts.items[0];
          if (!contact) return false;
          const view = (await (await env.stack.http("GET", `/api/v1/contacts/${contact.id}`)).json()) as {
            messages: Array<{ providerMessageId: string | null; status: string }>;
          };
          return (
            view.messages.find((m) => m.providerMessageId === question.providerMessageId)?.status === expected
          );
        },
        5_000,
        `the reply marked ${expected}`,
      );
    });

    // The delivery names the new mid, or is a watermark covering it, before Tern has recorded the
    // send: it is kept, not dropped, and applied once the send is recorded (queue/early-statuses.ts).
    it.runIf(type === "messenger").each([
      ["a delivery", false],
      ["a delivery without mids (a watermark)", true],
    ] as const)(
      "%s that overtakes the Send API's answer still marks that reply delivered",
      async (_kind, withoutMids) => {
        sim.deliverBeforeAnswer(env.webhookUrl, { withoutMids });
        await sim.say(env.webhookUrl, { from: customer, text: "Hi" });
        const question = await sim.waitForSent((s) => s.to === customer && s.text.includes("name"));
        const status = async () => {
          const contacts = (await (await env.stack.http("GET", "/api/v1/contacts")).json()) as {
            items: Array<{ id: string }>;
          };
          const view = (await (
            await env.stack.http("GET", `/api/v1/contacts/${contacts.items[0]?.id}`)
          ).json()) as {
            messages: Array<{ providerMessageId: string | null; status: string }>;
          };
          return view.messages.find((m) => m.providerMessageId === question.providerMessageId)?.status;
        };
        await eventually(async () => ((await status()) === "delivered" ? true : undefined), 10_000);
        sim.deliverBeforeAnswer(null);
      },
    );

    it.runIf(type === "messenger")(
      "Messenger's watermarks: a delivery without mids, then a read, mark every earlier reply delivered, then read",
      async () => {
        await sim.say(env.webhookUrl, { from: customer, text: "Hi" });
        await sim.waitForSent((s) => s.to === customer && s.text.includes("name"));
        await sim.say(env.webhookUrl, { from: customer, text: "Grace Hopper" });
        await sim.waitForSent((s) => s.to === customer && s.text.includes("company"));
        const statuses = async () => {
          const contacts = (await (await env.stack.http("GET", "/api/v1/contacts")).json()) as {
            items: Array<{ id: string }>;
          };
          const view = (await (
            await env.stack.http("GET", `/api/v1/contacts/${contacts.items[0]?.id}`)
          ).json()) as {
            messages: Array<{ direction: string; status: string }>;
          };
          return view.messages.filter((m) => m.direction === "out").map((m) => m.status);
        };
        await eventually(async () => ((await statuses()).every((st) => st === "sent") ? true : undefined));
        const who = { sender: { id: customer }, recipient: { id: sim.accountId } };
        // https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries
        const delivered = { ...who, delivery: { watermark: Date.now() } };
        expect((await sim.post(env.webhookUrl, envelope(sim.product, sim.accountId, delivered))).status).toBe(
          200,
        );
        await eventually(async () =>
          (await statuses()).join() === "delivered,delivered" ? true : undefined,
        );
        // https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-reads
        const read = { ...who, timestamp: Date.now(), read: { watermark: Date.now() } };
        expect((await sim.post(env.webhookUrl, envelope(sim.product, sim.accountId, read))).status).toBe(200);
        await eventually(async () => ((await statuses()).join() === "read,read" ? true : undefined));
        // A watermark before the replies were sent changes nothing (no step down either).
        const early = { ...who, delivery: { watermark: 1 } };
        expect((await sim.post(env.webhookUrl, envelope(sim.product, sim.accountId, early))).status).toBe(
          200,
        );
        expect(await statuses()).toEqual(["read", "read"]);
      },
    );

    it("an echo of the account's own message starts nothing", async () => {
      const echo = echoEvent({
        from: customer,
        accountId: sim.accountId,
        mid: newMid(sim.product),
        text: "Hi",
      });
      expect((await sim.post(env.webhookUrl, envelope(sim.product, sim.accountId, echo))).status).toBe(200);
      // A real message from someone else afterwards is served; the echo never was.
      const other = `9${customer.slice(1)}`;
      expect(other).not.toBe(customer);
      await sim.say(env.webhookUrl, { from: other, text: "Hi" });
      await sim.waitForSent((s) => s.to === other && s.text.includes("name"));
      expect(await runs()).toHaveLength(1);
      expect(sim.sent.filter((s) => s.to === customer || s.to === sim.accountId)).toEqual([]);
    });
  });
  describe(`${type}: choices go out as quick replies and a tap comes back as the choice`, () => {
    let env: ChannelStack;
    let sim: MetaMessagingSimulator;
    beforeEach(async () => {
      env = await startChannelStack(type, { flow: choiceFlow(type) });
      sim = env.sim as MetaMessagingSimulator;
    });
    afterEach(async () => {
      await env.close();
    });

    it("asks with quick replies, and routes on the tapped payload", async () => {
      await sim.say(env.webhookUrl, { from: customer, text: "Hello" });
      const question = await sim.waitForSent((s) => s.to === customer && s.text === "What is it about?");
      expect(question.choices).toEqual(["Sales", "Customer support"]);
      expect((question.request.body as { message: unknown }).message).toMatchObject({
        quick_replies: [
          { content_type: "text", title: "Sales", payload: "sales_team" },
          { content_type: "text", title: "Customer support", payload: "support_team" },
        ],
      });
      // The title Meta posts with a tap can differ from ours (truncated, translated): the payload decides.
      await sim.say(env.webhookUrl, {
        from: customer,
        text: "",
        choice: { id: "support_team", title: "Support…" },
      });
      const routed = await sim.waitForSent((s) => s.to === customer && s.text.startsWith("Routing"));
      expect(routed.text).toBe("Routing you to support_team.");
    });
  });
}

function choiceFlow(type: string): Record<string, unknown> {
  return {
    schema: "tern.flow/v1",
    name: `Routing (${type})`,
    trigger: { type: "message", channels: [type] },
    start: "topic",
    steps: [
      {
        id: "topic",
        type: "ask",
        text: "What is it about?",
        save: "topic",
        expect: "choice",
        choices: [
          { id: "sales_team", title: "Sales" },
          { id: "support_team", title: "Customer support" },
        ],
        next: "done",
      },
      { id: "done", type: "send", text: "Routing you to {{ vars.topic }}." },
    ],
  };
}
