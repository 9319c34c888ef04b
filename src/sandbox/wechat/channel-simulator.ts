import { createHash } from "node:crypto";
import { isWeChatOpenId } from "../../channels/wechat/send.js";
import { remember } from "../bounded.js";
import {
  type ChannelSimulator,
  type CustomerMessage,
  postWebhookRequest,
  type SimulatedSend,
} from "../channel-simulator.js";
import { startWeChatSimulator, type WeChatCustomSend } from "./simulator.js";
import { newMsgId, signCallback, textXml } from "./webhooks.js";

/** An openid for a customer given by another kind of id (28 characters like WeChat's). */
function openidOf(from: string): string {
  return isWeChatOpenId(from)
    ? from
    : `o${createHash("sha256").update(from).digest("base64url").slice(0, 27)}`;
}

/**
 * The WeChat simulator behind the common ChannelSimulator interface. `mode` chooses how `say()`
 * posts: safe (encrypted, the default, and what the config then asks for) or plain.
 */
export async function startWeChatChannelSimulator(
  options: { mode?: "plain" | "safe" } = {},
): Promise<ChannelSimulator> {
  const mode = options.mode ?? "safe";
  const sim = await startWeChatSimulator({ mode });
  const customers = new Map<string, string>();
  const toSend = (send: WeChatCustomSend): SimulatedSend => ({
    to: customers.get(send.touser) ?? send.touser,
    text: send.content,
    choices: [],
    // WeChat answers no message id; the simulator's count stands in for one.
    providerMessageId: `custom:${send.seq}`,
    request: { method: "POST", path: send.path, headers: send.headers, body: send.body },
    receivedAt: send.receivedAt,
  });
  const webhook = (webhookUrl: string, message: CustomerMessage) => {
    const openid = openidOf(message.from);
    if (openid !== message.from) remember(customers, openid, message.from);
    sim.customerWrote(openid);
    const id = message.id ?? newMsgId();
    // A choice is answered by its title: customer-service text has no buttons (numbered options).
    const xml = textXml({ openid, text: message.choice?.title ?? message.text, msgId: id });
    const signed = signCallback(xml, { ...sim.config, openid, mode });
    const url = `${webhookUrl}${webhookUrl.includes("?") ? "&" : "?"}${signed.query}`;
    return { url, headers: signed.headers, body: signed.body, id };
  };
  return {
    type: "wechat",
    url: sim.url,
    config: { ...sim.config },
    get sent() {
      return sim.sends.map(toSend);
    },
    async waitForSent(predicate, timeoutMs) {
      return toSend(await sim.waitForSend((s) => predicate(toSend(s)), timeoutMs));
    },
    webhook,
    addressOf: openidOf,
    // Tern may write first only within 48 hours of the customer's last message.
    meet: (from) => sim.customerWrote(openidOf(from)),
    say(webhookUrl, message, options) {
      return postWebhookRequest(webhook(webhookUrl, message), options);
    },
    close: () => sim.close(),
  };
}
