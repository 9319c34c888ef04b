import { type ChannelSimulator, type CustomerMessage, postWebhookRequest } from "../channel-simulator.js";
import { startWhatsAppSimulator, type WhatsAppSimulator } from "./simulator.js";
import { buildInteractiveReplyWebhook, buildTextWebhook, newWamid, signWebhook } from "./webhooks.js";

let started = 0;

/**
 * A new WhatsApp simulator behind the common ChannelSimulator interface (the sandbox API, e2e
 * tests). Each is a business number of its own: one number is one channel (a second channel for
 * the sandbox's number is refused), as at Meta.
 */
export async function startWhatsAppChannelSimulator(): Promise<ChannelSimulator> {
  started += 1;
  return asChannelSimulator(
    await startWhatsAppSimulator({ phoneNumberId: String(106540352300000 + started) }),
  );
}

/** The common view of a running WhatsApp simulator (the built-in sandbox's own). */
export function asChannelSimulator(sim: WhatsAppSimulator): ChannelSimulator {
  const toSend = (m: (typeof sim.sent)[number]) => ({
    to: m.to,
    text: m.text,
    choices: m.choices.map((c) => c.title),
    providerMessageId: m.wamid,
    request: { method: "POST", path: "/messages", headers: {}, body: m.body },
    receivedAt: m.receivedAt,
  });
  const webhook = (webhookUrl: string, message: CustomerMessage) => {
    const id = message.id ?? newWamid();
    const options = { from: message.from, name: message.name, id, phoneNumberId: sim.config.phoneNumberId };
    const body = JSON.stringify(
      message.choice
        ? buildInteractiveReplyWebhook({
            ...options,
            choiceId: message.choice.id,
            title: message.choice.title,
          })
        : buildTextWebhook({ ...options, text: message.text }),
    );
    const headers = {
      "content-type": "application/json",
      "x-hub-signature-256": signWebhook(body, sim.config.appSecret),
    };
    return { url: webhookUrl, headers, body, id };
  };
  return {
    type: "whatsapp",
    url: sim.url,
    config: { ...sim.config },
    get sent() {
      return sim.sent.map(toSend);
    },
    async waitForSent(predicate, timeoutMs) {
      return toSend(await sim.waitForSent((m) => predicate(toSend(m)), timeoutMs));
    },
    webhook,
    say(webhookUrl, message, options) {
      return postWebhookRequest(webhook(webhookUrl, message), options);
    },
    close: () => sim.close(),
  };
}
