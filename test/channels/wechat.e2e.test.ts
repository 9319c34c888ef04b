import { afterEach, describe, expect, it } from "vitest";
import { wechatSignature } from "../../src/channels/wechat/crypto.js";
import { startWeChatChannelSimulator } from "../../src/sandbox/wechat/channel-simulator.js";
import { type ChannelStack, deliveryRows, runsOf, startChannelStack } from "../helpers/channel-stack.js";

const from = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

for (const mode of ["safe", "plain"] as const) {
  describe(`WeChat end to end through the simulator, ${mode} mode`, () => {
    let env: ChannelStack;
    const start = async () => {
      env = await startChannelStack("wechat", { simulator: () => startWeChatChannelSimulator({ mode }) });
      return env;
    };
    afterEach(async () => {
      await env?.close();
    });

    it("answers the server-URL check with echostr", async () => {
      await start();
      const token = String(env.sim.config.token);
      const query = new URLSearchParams({
        signature: wechatSignature([token, "1409304348", "xxxxxx"]),
        timestamp: "1409304348",
        nonce: "xxxxxx",
        echostr: "5838479218127813673",
      });
      const response = await fetch(`${env.webhookUrl}?${query}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await response.text()).toBe("5838479218127813673");
    });

    it("a signed callback in → `success` at once → the lead template → a Lead, the reply through custom/send", async () => {
      await start();
      const hello = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
      expect(hello).toMatchObject({ status: 200, body: "success" });
      expect(hello.contentType).toMatch(/^text\/plain/);
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
      await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
      await env.sim.say(env.webhookUrl, { from, text: "Navy" });
      const confirmation = await env.sim.waitForSent((s) => s.to === from && s.text.includes("reference"));
      const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === "Navy");
      expect(leads).toHaveLength(1);
      expect(confirmation.text).toContain(leads[0]?.Id);
      expect(confirmation.request.method).toBe("POST");
      expect(confirmation.request.path).toMatch(
        /^\/cgi-bin\/message\/custom\/send\?access_token=[A-Za-z0-9]+$/,
      );
      expect(confirmation.request.headers["content-type"]).toMatch(/^application\/json/);
      expect(confirmation.request.body).toEqual({
        touser: from,
        msgtype: "text",
        text: { content: confirmation.text },
      });
      // All three replies used one cached access token.
      const tokens = new Set(env.sim.sent.map((s) => s.request.path.split("access_token=")[1]));
      expect(tokens.size).toBe(1);
    });

    it("answers a callback changed by one byte 401 and stores nothing", async () => {
      await start();
      const before = await deliveryRows(env);
      const signed = env.sim.webhook(env.webhookUrl, { from, text: "Hi" });
      let { url } = signed;
      const body = Buffer.from(signed.body);
      if (mode === "safe") {
        // Safe mode signs the ciphertext: change one byte of it.
        const at = body.indexOf("<Encrypt><![CDATA[") + 30;
        body[at] = body[at] === 0x41 ? 0x42 : 0x41;
      } else {
        // Plain mode signs only token, timestamp and nonce (not the body): change the signature.
        url = url.replace(/signature=([0-9a-f])/, (_, c: string) => `signature=${c === "0" ? "1" : "0"}`);
      }
      const response = await fetch(url, { method: "POST", headers: signed.headers, body });
      expect(response.status).toBe(401);
      expect(await deliveryRows(env)).toEqual(before);
      expect(await runsOf(env)).toEqual([]);
      expect(env.sim.sent).toEqual([]);
    });

    it("a redelivered callback (same MsgId, WeChat's retry after 5 s) makes no second run", async () => {
      await start();
      const first = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
      await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
      const inbox = async () => Object.entries(await deliveryRows(env)).filter(([t]) => t.includes("inbox"));
      const before = await inbox();
      expect(before.map(([table]) => table)).toEqual(["inbox"]);
      const again = await env.sim.say(env.webhookUrl, { from, text: "Hi", id: first.id });
      expect(again).toMatchObject({ status: 200, body: "success" });
      // Acknowledged, and nothing stored: the inbox is unique per channel and provider id.
      expect(await inbox()).toEqual(before);
      // Had the copy been processed, "Hi" would have answered the name question.
      await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
      const next = await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
      expect(next.text).toContain("Grace Hopper");
      expect(await runsOf(env)).toHaveLength(1);
      expect(env.sim.sent).toHaveLength(2);
    });
  });
}

describe("WeChat's documented example message", () => {
  let env: ChannelStack;
  afterEach(async () => {
    await env?.close();
  });

  it("the text message of WeChat's page, verbatim (openid `fromUser`, CreateTime of 2012), is answered through custom/send", async () => {
    env = await startChannelStack("wechat", {
      simulator: () => startWeChatChannelSimulator({ mode: "plain" }),
    });
    // https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
    const xml =
      "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>" +
      "<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>" +
      "<Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId></xml>";
    // WeChat's side: the customer wrote, so its customer-service API takes replies for 48 hours.
    env.sim.meet?.("fromUser");
    const token = String(env.sim.config.token);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const query = new URLSearchParams({
      signature: wechatSignature([token, timestamp, "1320562132"]),
      timestamp,
      nonce: "1320562132",
      openid: "fromUser",
    });
    const response = await fetch(`${env.webhookUrl}?${query}`, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: xml,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("success");
    // A provider time years old is no send time: the 48-hour window counts from Tern's receipt.
    const reply = await env.sim.waitForSent((s) => s.to === "fromUser");
    expect(reply.request.body).toMatchObject({ touser: "fromUser", msgtype: "text" });
  });
});

describe("WeChat channel mode mismatch", () => {
  let env: ChannelStack;
  afterEach(async () => {
    await env?.close();
  });

  it("a channel set up for safe mode refuses a plain callback (its body is not signed)", async () => {
    env = await startChannelStack("wechat", {
      simulator: () => startWeChatChannelSimulator({ mode: "plain" }),
    });
    // Give the plain-mode channel an EncodingAESKey, as if the console said safe mode.
    const response = await env.stack.http("PATCH", `/api/v1/channels/${env.channelId}`, {
      config: { ...env.sim.config, encodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" },
    });
    expect(response.status).toBe(200);
    const answer = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
    expect(answer.status).toBe(401);
    expect(answer.body).toContain("safe mode");
    expect(await runsOf(env)).toEqual([]);
  });
});
