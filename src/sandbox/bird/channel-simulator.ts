import { randomUUID } from "node:crypto";
import { remember } from "../bounded.js";
import {
  type ChannelSimulator,
  type CustomerMessage,
  postWebhookRequest,
  type SimulatedSend,
} from "../channel-simulator.js";
import { type BirdSend, startBirdSimulator } from "./simulator.js";
import { phoneOf, signBirdRequest, smsInboundBody } from "./webhooks.js";

/** The Bird simulator behind the common ChannelSimulator interface (the sandbox API, e2e tests). */
export async function startBirdChannelSimulator(): Promise<ChannelSimulator> {
  const sim = await startBirdSimulator();
  /** Phones the simulator made up for customers given by another kind of id, back to that id. */
  const customers = new Map<string, string>();
  const toSend = (send: BirdSend): SimulatedSend => ({
    to: customers.get(send.to) ?? send.to,
    text: send.text,
    // SMS has no buttons: choices arrive as numbered lines in the text.
    choices: [],
    providerMessageId: send.id,
    request: { method: "POST", path: send.path, headers: send.headers, body: send.body },
    receivedAt: send.receivedAt,
  });
  const webhook = (webhookUrl: string, message: CustomerMessage) => {
    const phone = phoneOf(message.from);
    if (phone !== message.from) remember(customers, phone, message.from);
    const id = message.id ?? randomUUID();
    // A tapped choice does not exist in SMS: the customer types its title.
    const text = message.choice ? message.choice.title : message.text;
    const body = smsInboundBody({ id, channelId: sim.config.channelId, from: phone, to: sim.number, text });
    const headers = signBirdRequest({ signingKey: sim.config.signingKey, url: webhookUrl, body });
    return { url: webhookUrl, headers, body, id };
  };
  return {
    type: "bird",
    url: sim.url,
    config: { ...sim.config },
    get sent() {
      return sim.sends.map(toSend);
    },
    async waitForSent(predicate, timeoutMs) {
      return toSend(await sim.waitForSend((s) => predicate(toSend(s)), timeoutMs));
    },
    webhook,
    addressOf: phoneOf,
    say(webhookUrl, message, options) {
      return postWebhookRequest(webhook(webhookUrl, message), options);
    },
    close: () => sim.close(),
  };
}
