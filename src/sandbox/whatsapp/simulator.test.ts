import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { allEvents, type ChannelEvent, type WebhookRequest } from "../../channels/channel.js";
import { whatsappChannel } from "../../channels/whatsapp/index.js";
import { createHttpFetch } from "../../core/http-fetch.js";
import {
  buildInteractiveReplyWebhook,
  buildLocationWebhook,
  buildMediaWebhook,
  buildStatusWebhook,
  buildTemplateButtonWebhook,
  buildTextWebhook,
  postWebhook,
  signWebhook,
  startWhatsAppSimulator,
  type WhatsAppSimulator,
} from "./index.js";

let sim: WhatsAppSimulator;

beforeAll(async () => {
  sim = await startWhatsAppSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearSent();
});

function postRaw(body: unknown, token = sim.config.accessToken, path?: string): Promise<Response> {
  const url = path ?? `${sim.url}/v23.0/${sim.config.phoneNumberId}/messages`;
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const text = (extra: Record<string, unknown> = {}) => ({
  messaging_product: "whatsapp",
  to: "16315551181",
  type: "text",
  text: { body: "hi" },
  ...extra,
});

describe("simulator: Graph messages endpoint", () => {
  it("answers like Graph and records the send", async () => {
    const response = await postRaw(text({ biz_opaque_callback_data: "c1" }));
    expect(response.status).toBe(200);
    const json = (await response.json()) as { contacts: unknown[]; messages: Array<{ id: string }> };
    expect(json).toMatchObject({
      messaging_product: "whatsapp",
      contacts: [{ input: "16315551181", wa_id: "16315551181" }],
    });
    expect(json.messages[0]?.id).toMatch(/^wamid\.[A-Za-z0-9_-]+$/);
    expect(sim.sent[0]).toMatchObject({
      to: "16315551181",
      type: "text",
      text: "hi",
      correlationId: "c1",
      choices: [],
    });
  });

  it("rejects a wrong token with 401 OAuthException 190", async () => {
    const response = await postRaw(text(), "bad");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 190, type: "OAuthException" } });
    expect(sim.sent).toHaveLength(0);
  });

  it("rejects an unknown phone number id with code 100", async () => {
    const response = await postRaw(text(), undefined, `${sim.url}/v23.0/42/messages`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 100 } });
  });

  it.each([
    [
      "missing messaging_product",
      { to: "1631555118", type: "text", text: { body: "x" } },
      /messaging_product/,
    ],
    ["missing to", { messaging_product: "whatsapp", type: "text", text: { body: "x" } }, /to is required/],
    ["empty text", text({ text: { body: "" } }), /text.body/],
    ["text over 4096", text({ text: { body: "x".repeat(4097) } }), /4096/],
    [
      "four buttons",
      text({
        type: "interactive",
        interactive: {
          type: "button",
          body: { text: "?" },
          action: {
            buttons: [1, 2, 3, 4].map((i) => ({ type: "reply", reply: { id: `${i}`, title: `${i}` } })),
          },
        },
      }),
      /at most 3/,
    ],
    [
      "button title over 20",
      text({
        type: "interactive",
        interactive: {
          type: "button",
          body: { text: "?" },
          action: { buttons: [{ type: "reply", reply: { id: "a", title: "x".repeat(21) } }] },
        },
      }),
      /20 characters/,
    ],
    [
      "eleven list rows",
      text({
        type: "interactive",
        interactive: {
          type: "list",
          body: { text: "?" },
          action: {
            button: "Choose",
            sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `${i}`, title: `${i}` })) }],
          },
        },
      }),
      /at most 10 rows/,
    ],
  ])("rejects %s with Graph error 100", async (_name, body, pattern) => {
    const response = await postRaw(body);
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: { code: number; message: string } };
    expect(json.error.code).toBe(100);
    expect(json.error.message).toMatch(pattern);
    expect(sim.sent).toHaveLength(0);
  });

  it("rejects a body that is not JSON", async () => {
    const response = await postRaw("{oops");
    expect(response.status).toBe(400);
  });

  it("fails the next n requests with the given Graph error", async () => {
    sim.failNext(2, { code: 131056, message: "pair rate limit" }, 400);
    expect((await postRaw(text())).status).toBe(400);
    const second = await postRaw(text());
    expect(await second.json()).toMatchObject({ error: { code: 131056, message: "pair rate limit" } });
    expect((await postRaw(text())).status).toBe(200);
  });

  it("records a held message before answering it", async () => {
    sim.holdResponses();
    const pending = postRaw(text());
    const [held] = await sim.waitForSent(1);
    let isAnswered = false;
    void pending.then(() => {
      isAnswered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAnswered).toBe(false);
    sim.releaseResponses();
    const json = (await (await pending).json()) as { messages: Array<{ id: string }> };
    expect(json.messages[0]?.id).toBe(held?.wamid);
  });

  it("drops the connection without answering and without recording the message", async () => {
    sim.dropNext(1);
    await expect(postRaw(text())).rejects.toThrow();
    expect(sim.sent).toHaveLength(0);
    expect(sim.dropped.at(-1)).toMatchObject({ isAccepted: false });
    expect((await postRaw(text())).status).toBe(200);
  });

  it("accepts a message, then drops the connection without answering", async () => {
    sim.dropNext(1, { afterAccept: true });
    await expect(postRaw(text({ biz_opaque_callback_data: "k1" }))).rejects.toThrow();
    expect(sim.sent).toHaveLength(1);
    expect(sim.sent[0]).toMatchObject({ correlationId: "k1" });
    expect(sim.dropped.at(-1)).toMatchObject({ isAccepted: true });
  });

  it("refuses connections until told to accept them again, on the same port", async () => {
    await sim.refuseConnections();
    // A fresh client: a pooled keep-alive socket would see "other side closed", not a refusal.
    const error = await createHttpFetch()(`${sim.url}/v23.0/${sim.config.phoneNumberId}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${sim.config.accessToken}` },
      body: JSON.stringify(text()),
    }).catch((e: unknown) => e);
    expect((error as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
    await sim.acceptConnections();
    expect((await postRaw(text())).status).toBe(200);
  });

  it("rejects waitForSent when nothing matching arrives in time", async () => {
    await expect(sim.waitForSent((m) => m.text === "never", 50)).rejects.toThrow(/waited 50 ms/);
  });
});

describe("simulator: status webhooks", () => {
  let receiver: Server;
  let received: ChannelEvent[];

  beforeAll(async () => {
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const webhook: WebhookRequest = {
          method: "POST",
          headers: req.headers as Record<string, string | undefined>,
          query: {},
          url: "https://tern.example/webhooks/ch_1",
          rawBody: Buffer.concat(chunks),
        };
        try {
          whatsappChannel.verify(webhook, sim.config);
          received.push(...allEvents(whatsappChannel.parse(webhook, sim.config)));
          res.writeHead(200).end();
        } catch {
          res.writeHead(401).end();
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });

  it("posts signed sent and delivered statuses echoing the correlation id", async () => {
    const { port } = receiver.address() as AddressInfo;
    sim.deliverStatusesTo(`http://127.0.0.1:${port}/webhooks/whatsapp`);
    const result = await whatsappChannel.send(
      { to: "16315551181", text: "Hello", correlationId: "run_9:step_1" },
      sim.config,
      { fetch },
    );
    await expect.poll(() => received.length, { timeout: 3_000 }).toBe(2);
    // A delivery is recorded once the receiver's answer is read, after the receiver saw the body.
    await expect.poll(() => sim.statusDeliveries.length, { timeout: 3_000 }).toBe(2);
    sim.deliverStatusesTo(null);
    expect(received).toMatchObject([
      {
        kind: "status",
        status: "sent",
        providerMessageId: result.providerMessageId,
        correlationId: "run_9:step_1",
      },
      {
        kind: "status",
        status: "delivered",
        providerMessageId: result.providerMessageId,
        recipient: "16315551181",
      },
    ]);
    expect(sim.statusDeliveries.map((d) => d.httpStatus)).toEqual([200, 200]);
  });
});

describe("customer-side builders", () => {
  const config = () => sim.config;
  const parseBody = (body: unknown) =>
    allEvents(
      whatsappChannel.parse(
        {
          method: "POST",
          headers: {},
          query: {},
          url: "https://tern.example/webhooks/ch_1",
          rawBody: Buffer.from(JSON.stringify(body)),
        },
        config(),
      ),
    );

  it("build webhooks the adapter parses", () => {
    expect(
      parseBody(
        buildTextWebhook({ from: "+16315551181", text: "hello", name: "Jane", timestamp: 1_700_000_000_123 }),
      ),
    ).toMatchObject([
      {
        from: "16315551181",
        phone: "+16315551181",
        profileName: "Jane",
        timestamp: 1_700_000_000_000,
        content: { type: "text", text: "hello" },
      },
    ]);
    expect(parseBody(buildTextWebhook({ from: "US.13491208655302741918", text: "hi" }))[0]).toMatchObject({
      from: "US.13491208655302741918",
    });
    expect(
      parseBody(
        buildInteractiveReplyWebhook({ from: "16315551181", choiceId: "a", title: "A", kind: "list" }),
      ),
    ).toMatchObject([{ content: { type: "choice", id: "a", title: "A" } }]);
    expect(
      parseBody(buildTemplateButtonWebhook({ from: "16315551181", payload: "p", text: "Yes" })),
    ).toMatchObject([{ content: { type: "choice", id: "p", text: "Yes" } }]);
    expect(
      parseBody(buildMediaWebhook({ from: "16315551181", mediaType: "video", caption: "look" })),
    ).toMatchObject([
      { content: { type: "media", mediaType: "video", mimeType: "video/mp4", text: "look" } },
    ]);
    expect(
      parseBody(buildLocationWebhook({ from: "16315551181", latitude: 1.5, longitude: 2.5 })),
    ).toMatchObject([{ content: { type: "location", text: "1.5,2.5" } }]);
    expect(
      parseBody(
        buildStatusWebhook({
          messageId: "wamid.X",
          status: "failed",
          recipient: "16315551181",
          errors: [{ code: 131026, title: "Undeliverable" }],
        }),
      ),
    ).toMatchObject([
      { kind: "status", status: "failed", errors: [{ code: 131026, title: "Undeliverable" }] },
    ]);
  });

  it("signs like Meta (test vector) and posts with the signature header", async () => {
    expect(signWebhook("test", "secret")).toBe(
      "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
    );
    let seen: string | undefined;
    const server = createServer((req, res) => {
      seen = req.headers["x-hub-signature-256"] as string;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const response = await postWebhook(`http://127.0.0.1:${port}/`, "test", "secret");
    expect(response.status).toBe(200);
    expect(seen).toBe(signWebhook("test", "secret"));
    await new Promise((resolve) => server.close(resolve));
  });
});
