import { afterEach, describe, expect, it } from "vitest";
import { allEvents, type ChannelDefinition } from "../../channels/channel.js";
import { instagramChannel } from "../../channels/instagram/index.js";
import { messengerChannel, messengerSendApi } from "../../channels/messenger/index.js";
import { sendViaSendApi } from "../../channels/meta/send-api.js";
import { isAppError } from "../../core/app-error.js";
import { startInstagramSimulator } from "../instagram/index.js";
import { startMessengerSimulator } from "../messenger/index.js";
import type { MetaMessagingSimulator } from "./simulator.js";

const PSID = "1254477777772919";
let sim: MetaMessagingSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function rawSend(
  s: MetaMessagingSimulator,
  body: unknown,
  token = String(s.config[s.product.tokenKey]),
) {
  const response = await fetch(`${s.url}/v23.0/${s.accountId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: { code: number; error_subcode?: number } },
  };
}

describe("Meta Send API simulator", () => {
  it("accepts the adapter's quick replies and records them as the customer sees them", async () => {
    sim = await startMessengerSimulator();
    const config = messengerChannel.config.parse(sim.config);
    const result = await messengerChannel.send(
      {
        to: PSID,
        text: "Pick",
        choices: [
          { id: "r", title: "Red" },
          { id: "g", title: "Green" },
        ],
      },
      config,
      { fetch },
    );
    expect(sim.sent[0]).toMatchObject({
      to: PSID,
      text: "Pick",
      choices: ["Red", "Green"],
      providerMessageId: result.providerMessageId,
    });
  });

  it("refuses what Graph refuses: no messaging_type on Messenger, a 14th quick reply, text and attachment together", async () => {
    sim = await startMessengerSimulator();
    const base = { recipient: { id: PSID }, messaging_type: "RESPONSE" };
    const noType = await rawSend(sim, { recipient: { id: PSID }, message: { text: "x" } });
    expect([noType.status, noType.body.error?.code]).toEqual([400, 100]);
    const replies = Array.from({ length: 14 }, (_, i) => ({
      content_type: "text",
      title: `t${i}`,
      payload: `p${i}`,
    }));
    expect((await rawSend(sim, { ...base, message: { text: "x", quick_replies: replies } })).status).toBe(
      400,
    );
    const both = { text: "x", attachment: { type: "image", payload: { url: "https://e/x.png" } } };
    expect((await rawSend(sim, { ...base, message: both })).status).toBe(400);
    expect((await rawSend(sim, { ...base, message: { text: "x" } }, "wrong")).body.error?.code).toBe(190);
    expect(sim.sent).toEqual([]);
  });

  it("measures Instagram text in bytes", async () => {
    sim = await startInstagramSimulator();
    const body = (text: string) => ({ recipient: { id: PSID }, message: { text } });
    expect((await rawSend(sim, body("é".repeat(500)))).status).toBe(200); // 1000 bytes
    expect((await rawSend(sim, body("é".repeat(501)))).status).toBe(400);
  });

  it("refuses a send outside the 24-hour window with 10/2018278, which the adapter reports and does not retry; HUMAN_AGENT passes", async () => {
    sim = await startMessengerSimulator();
    sim.closeWindow(PSID);
    const config = messengerChannel.config.parse(sim.config);
    const error = await messengerChannel
      .send({ to: PSID, text: "Still there?" }, config, { fetch })
      .catch((e: unknown) => e);
    expect(isAppError(error) && [error.retry, error.details?.graphSubcode]).toEqual(["never", 2018278]);
    const target = { url: `${sim.url}/v23.0/${sim.accountId}/messages`, accessToken: config.pageAccessToken };
    await sendViaSendApi(
      { to: PSID, text: "An agent here" },
      messengerSendApi,
      target,
      { fetch },
      { tag: "HUMAN_AGENT" },
    );
    expect(sim.sent.map((s) => s.text)).toEqual(["An agent here"]);
  });

  it("reports a wrong token through the adapter without repeating it", async () => {
    sim = await startInstagramSimulator();
    const config = instagramChannel.config.parse({ ...sim.config, accessToken: "IGAA-not-the-right-token" });
    const error = await instagramChannel
      .send({ to: PSID, text: "Hi" }, config, { fetch })
      .catch((e: unknown) => e);
    expect(isAppError(error) && error.retry).toBe("never");
    expect(isAppError(error) && error.message).toMatch(/Instagram access token is invalid or expired/);
    expect(String(isAppError(error) && error.message)).not.toContain("IGAA-not-the-right-token");
  });

  it("builds webhooks the adapters verify and parse: a quick-reply tap becomes the choice", async () => {
    const pairs: Array<[() => Promise<MetaMessagingSimulator>, ChannelDefinition]> = [
      [startMessengerSimulator, messengerChannel as ChannelDefinition],
      [startInstagramSimulator, instagramChannel as ChannelDefinition],
    ];
    for (const [start, channel] of pairs) {
      const s = await start();
      const hook = s.webhook("https://tern.example/webhooks/ch_1", {
        from: PSID,
        text: "",
        choice: { id: "yes", title: "Yes" },
      });
      const req = {
        method: "POST" as const,
        headers: hook.headers,
        query: {},
        url: hook.url,
        rawBody: Buffer.from(hook.body),
      };
      const config = channel.config.parse(s.config);
      expect(() => channel.verify(req, config)).not.toThrow();
      const parsed = channel.parse(req, config);
      expect(parsed.batches[0]?.account).toBe(s.accountId);
      expect(allEvents(parsed)).toMatchObject([
        { providerMessageId: hook.id, from: PSID, content: { type: "choice", id: "yes", title: "Yes" } },
      ]);
      await s.close();
    }
  });
});
