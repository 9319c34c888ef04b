import {
  type ChannelSimulator,
  type CustomerMessage,
  postWebhookRequest,
  type SimulatedSend,
} from "../channel-simulator.js";
import { startViberSimulator, type ViberSentMessage, type ViberSimulator } from "./simulator.js";
import { callbackHeaders, messageCallback } from "./webhooks.js";

export interface ViberChannelSimulator extends ChannelSimulator {
  /** The REST Bot API stand-in itself (registered webhook, subscribers, faults). */
  provider: ViberSimulator;
}

/** The Viber simulator behind the common ChannelSimulator interface (sandbox API, e2e tests). */
export async function startViberChannelSimulator(): Promise<ViberChannelSimulator> {
  const sim = await startViberSimulator();
  const toSend = (m: ViberSentMessage): SimulatedSend => ({
    to: m.receiver,
    text: m.text,
    choices: m.buttons.map((b) => b.text),
    providerMessageId: m.messageToken,
    // The auth token is a header: the common view (shown by the sandbox API) never carries it;
    // `provider.sent` keeps the exact request for tests.
    request: {
      method: "POST",
      path: m.path,
      headers: {
        ...m.headers,
        "x-viber-auth-token": m.headers["x-viber-auth-token"] ? "[redacted]" : undefined,
      },
      body: m.body,
    },
    receivedAt: m.receivedAt,
  });
  const webhook = (webhookUrl: string, message: CustomerMessage) => {
    const token = message.id ?? String(sim.nextToken());
    // A tapped reply button sends its ActionBody back as a plain text message.
    const text = message.choice ? message.choice.id : message.text;
    const body = messageCallback({ id: message.from, name: message.name }, { type: "text", text }, token);
    return { url: webhookUrl, headers: callbackHeaders(body, sim.config.authToken), body, id: token };
  };
  return {
    type: "viber",
    provider: sim,
    url: sim.url,
    config: { ...sim.config },
    get sent() {
      return sim.sent.map(toSend);
    },
    async waitForSent(predicate, timeoutMs) {
      return toSend(await sim.waitForSent((m) => predicate(toSend(m)), timeoutMs));
    },
    webhook,
    async say(webhookUrl, message, options) {
      // Writing to a bot subscribes the user (send-message.md: only subscribers can be messaged).
      sim.subscribe(message.from);
      return postWebhookRequest(webhook(webhookUrl, message), options);
    },
    meet: (from) => sim.subscribe(from),
    close: () => sim.close(),
  };
}
