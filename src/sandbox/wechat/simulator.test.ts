import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decryptMessage, wechatSignature } from "../../channels/wechat/crypto.js";
import { readWeChatXml } from "../../channels/wechat/xml.js";
import { startWeChatSimulator, type WeChatSimulator } from "./simulator.js";
import { signCallback, textXml } from "./webhooks.js";

/** Answers as WeChat documents: HTTP 200 with {errcode, errmsg}. */
describe("WeChat simulator", () => {
  let sim: WeChatSimulator;
  beforeEach(async () => {
    sim = await startWeChatSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const post = async (path: string, body: unknown) =>
    (await fetch(`${sim.url}${path}`, { method: "POST", body: JSON.stringify(body) })).json();

  it("issues a stable token only for the right AppID and secret, and checks it on sends", async () => {
    expect(
      await post("/cgi-bin/stable_token", { grant_type: "client_credential", appid: "wx0", secret: "x" }),
    ).toEqual({
      errcode: 40013,
      errmsg: "invalid appid",
    });
    const { access_token } = (await post("/cgi-bin/stable_token", {
      grant_type: "client_credential",
      appid: sim.config.appId,
      secret: sim.config.appSecret,
    })) as { access_token: string };
    const message = { touser: "o1234567890", msgtype: "text", text: { content: "Hi" } };
    expect(await post("/cgi-bin/message/custom/send?access_token=nope", message)).toMatchObject({
      errcode: 40001,
    });
    expect(await post(`/cgi-bin/message/custom/send?access_token=${access_token}`, message)).toMatchObject({
      errcode: 45015,
    });
    sim.customerWrote("o1234567890");
    expect(await post(`/cgi-bin/message/custom/send?access_token=${access_token}`, message)).toEqual({
      errcode: 0,
      errmsg: "ok",
    });
  });

  it("builds safe-mode callbacks that WeChat's algorithm verifies and decrypts", () => {
    const xml = textXml({ openid: "o1234567890", text: "你好 ]]> there", msgId: "6054768590064713728" });
    const signed = signCallback(xml, { ...sim.config, openid: "o1234567890", mode: "safe" });
    const query = new URLSearchParams(signed.query);
    const encrypted = String(readWeChatXml(signed.body)?.Encrypt);
    const [token, timestamp, nonce] = [
      sim.config.token,
      query.get("timestamp") ?? "",
      query.get("nonce") ?? "",
    ];
    expect(query.get("msg_signature")).toBe(wechatSignature([token, timestamp, nonce, encrypted]));
    expect(query.get("signature")).toBe(wechatSignature([token, timestamp, nonce]));
    const decrypted = decryptMessage(encrypted, sim.config.encodingAESKey ?? "");
    expect(decrypted).toEqual({ xml, appId: sim.config.appId });
    expect(readWeChatXml(decrypted.xml)?.Content).toBe("你好 ]]> there");
  });
});
