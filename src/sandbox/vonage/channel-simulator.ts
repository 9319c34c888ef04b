import { remember } from "../bounded.js";
import {
  type ChannelSimulator,
  type CustomerMessage,
  postWebhookRequest,
  type SimulatedSend,
} from "../channel-simulator.js";
import { phoneOf } from "../phone.js";
import { startVonageSimulator, type VonageSimulator, type VonageSms } from "./simulator.js";
import { inboundParams, newMessageId, signedWebhook } from "./webhooks.js";

export interface VonageChannelSimulator extends ChannelSimulator {
  /** The SMS API stand-in itself (exact requests, refusals, delivery receipts). */
  provider: VonageSimulator;
  /**
   * A long SMS as Vonage delivers it: one signed webhook per part of `partLength` characters (153
   * for GSM text), each with its own messageId and the shared `concat-ref`; post them in any order.
   */
  partedWebhooks(
    webhookUrl: string,
    message: { from: string; text: string },
    partLength?: number,
  ): Array<{ url: string; headers: Record<string, string>; body: string; id: string }>;
}

/**
 * An msisdn is digits only: a number keeps its digits ("+44-7700-900001"), a word gets a stable
 * made-up number of its own ("alice" and "bob" were both 447700900001: one conversation).
 */
function msisdnFor(from: string): string {
  const digits = from.replace(/\D/g, "");
  return /^[+\d().-]+$/.test(from) && digits.length >= 7 ? digits : phoneOf(from).slice(1);
}

/**
 * The Vonage simulator behind the common ChannelSimulator interface (sandbox API, e2e tests).
 * Webhooks go out as POST-JSON (the common interface posts); `signedWebhook` builds GET and form ones.
 */
export async function startVonageChannelSimulator(): Promise<VonageChannelSimulator> {
  const sim = await startVonageSimulator();
  const customers = new Map<string, string>();
  const toSend = (sms: VonageSms): SimulatedSend => ({
    to: customers.get(sms.to) ?? sms.to,
    text: sms.text,
    // SMS has no buttons: choices arrive as numbered lines in the text.
    choices: [],
    providerMessageId: sms.messageId,
    request: { method: "POST", path: sms.path, headers: sms.headers, body: sms.params },
    receivedAt: sms.receivedAt,
  });
  const webhook = (webhookUrl: string, message: CustomerMessage) => {
    const msisdn = msisdnFor(message.from);
    if (msisdn !== message.from) remember(customers, msisdn, message.from);
    const id = message.id ?? newMessageId();
    const params = inboundParams({
      apiKey: sim.config.apiKey,
      messageId: id,
      msisdn,
      to: sim.config.from,
      text: message.choice ? message.choice.title : message.text,
    });
    const request = signedWebhook(webhookUrl, params, sim.config.signatureSecret, sim.config.signatureMethod);
    return { url: request.url, headers: request.headers, body: request.body, id };
  };
  let concatRef = 0;
  const partedWebhooks = (webhookUrl: string, message: { from: string; text: string }, partLength = 153) => {
    const msisdn = msisdnFor(message.from);
    if (msisdn !== message.from) remember(customers, msisdn, message.from);
    const chunks = message.text.match(new RegExp(`[\\s\\S]{1,${partLength}}`, "g")) ?? [""];
    // A reference per sender and message, 0-255 as the carrier's one-byte UDH reference.
    const ref = String(concatRef++ % 256);
    return chunks.map((text, i) => {
      const id = newMessageId();
      const params = inboundParams({
        apiKey: sim.config.apiKey,
        messageId: id,
        msisdn,
        to: sim.config.from,
        text,
        concat: { ref, part: i + 1, total: chunks.length },
      });
      const request = signedWebhook(
        webhookUrl,
        params,
        sim.config.signatureSecret,
        sim.config.signatureMethod,
      );
      return { url: request.url, headers: request.headers, body: request.body, id };
    });
  };
  return {
    type: "vonage",
    provider: sim,
    partedWebhooks,
    url: sim.url,
    config: { ...sim.config },
    get sent() {
      return sim.sent.map(toSend);
    },
    async waitForSent(predicate, timeoutMs) {
      return toSend(await sim.waitForSms((s) => predicate(toSend(s)), timeoutMs));
    },
    webhook,
    addressOf: msisdnFor,
    say(webhookUrl, message, options) {
      return postWebhookRequest(webhook(webhookUrl, message), options);
    },
    close: () => sim.close(),
  };
}
