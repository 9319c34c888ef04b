import { remember } from "../bounded.js";
import {
  type ChannelSimulator,
  type CustomerMessage,
  postWebhookRequest,
  type SimulatedSend,
} from "../channel-simulator.js";
import { phoneOf } from "../phone.js";
import { type RcsSend, startRcsSimulator } from "./simulator.js";
import { rcsEventRequest, userSuggestionResponse, userTextMessage } from "./webhooks.js";

/** The RCS simulator behind the common ChannelSimulator interface (the sandbox API, e2e tests). */
export async function startRcsChannelSimulator(): Promise<ChannelSimulator> {
  const sim = await startRcsSimulator();
  /** Phones the simulator made up for customers given by another kind of id, back to that id. */
  const customers = new Map<string, string>();
  const toSend = (send: RcsSend): SimulatedSend => ({
    to: customers.get(send.phone) ?? send.phone,
    text: send.text,
    choices: send.suggestions.map((s) => s.text),
    providerMessageId: send.messageId,
    request: { method: "POST", path: send.path, headers: send.headers, body: send.body },
    receivedAt: send.receivedAt,
  });
  const webhook = (webhookUrl: string, message: CustomerMessage) => {
    const from = phoneOf(message.from);
    if (from !== message.from) remember(customers, from, message.from);
    const agentId = sim.config.agentId;
    const data = message.choice
      ? userSuggestionResponse({
          agentId,
          from,
          postbackData: message.choice.id,
          text: message.choice.title,
          messageId: message.id,
        })
      : userTextMessage({ agentId, from, text: message.text, messageId: message.id });
    const { headers, body } = rcsEventRequest(data, sim.config.clientToken);
    return { url: webhookUrl, headers, body, id: data.messageId };
  };
  return {
    type: "rcs",
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
