import { remember } from "../bounded.js";
import {
  type ChannelSimulator,
  type CustomerMessage,
  postWebhookRequest,
  type SimulatedSend,
} from "../channel-simulator.js";
import { phoneOf } from "../phone.js";
import { startTwilioSimulator, type TwilioMessage, type TwilioSimulator } from "./simulator.js";
import { inboundForm, newSid, signedRequest } from "./webhooks.js";

export interface TwilioChannelSimulator extends ChannelSimulator {
  /** The Message-resource stand-in itself (exact requests, faults, status callbacks). */
  provider: TwilioSimulator;
}

/**
 * A customer id that is not a phone number yet becomes one: "99006123" → "+99006123", a word a
 * stable made-up number of its own ("alice" and "bob" were both +15550000000: one conversation).
 */
function addressFor(from: string): string {
  if (from.startsWith("+") || from.startsWith("whatsapp:")) return from;
  return /^\d+$/.test(from) ? `+${from}` : phoneOf(from);
}

/** The Twilio simulator behind the common ChannelSimulator interface (sandbox API, e2e tests). */
export async function startTwilioChannelSimulator(): Promise<TwilioChannelSimulator> {
  const sim = await startTwilioSimulator();
  /** Twilio addresses made up for customers given another kind of id, back to that id. */
  const customers = new Map<string, string>();
  const toSend = (m: TwilioMessage): SimulatedSend => ({
    to: customers.get(m.to) ?? m.to,
    text: m.body,
    // SMS has no buttons: choices arrive as numbered lines in the text.
    choices: [],
    providerMessageId: m.sid,
    request: { method: "POST", path: m.path, headers: m.headers, body: m.form },
    receivedAt: m.receivedAt,
  });
  const webhook = (webhookUrl: string, message: CustomerMessage) => {
    const from = addressFor(message.from);
    if (from !== message.from) remember(customers, from, message.from);
    const id = message.id ?? newSid("SM");
    const fields = inboundForm({
      accountSid: sim.config.accountSid,
      messageSid: id,
      from,
      to: sim.config.from,
      // A tapped choice is what the customer types back: its title.
      body: message.choice ? message.choice.title : message.text,
      ...(message.name ? { profileName: message.name } : {}),
    });
    return { ...signedRequest(webhookUrl, fields, sim.config.authToken), id };
  };
  return {
    type: "twilio",
    provider: sim,
    url: sim.url,
    config: { ...sim.config },
    get sent() {
      return sim.messages.map(toSend);
    },
    async waitForSent(predicate, timeoutMs) {
      return toSend(await sim.waitForMessage((m) => predicate(toSend(m)), timeoutMs));
    },
    addressOf: addressFor,
    webhook,
    say(webhookUrl, message, options) {
      return postWebhookRequest(webhook(webhookUrl, message), options);
    },
    close: () => sim.close(),
  };
}
