import { createHash } from "node:crypto";
import { keepNewest, remember } from "../bounded.js";
import {
  type ChannelSimulator,
  type CustomerMessage,
  deliveryUrl,
  type SimulatedSend,
} from "../channel-simulator.js";
import { startTelegramSimulator, type TelegramSentMessage, type TelegramSimulator } from "./simulator.js";
import { callbackUpdate, createUpdateIds, textUpdate, webhookHeaders } from "./webhooks.js";

export interface TelegramChannelSimulator extends ChannelSimulator {
  /** The Bot API stand-in itself (registered webhook, answered callback queries, faults). */
  provider: TelegramSimulator;
}

/** Chat ids are integers; a non-numeric test id gets a stable one. */
function chatIdFor(from: string): number {
  if (/^\d{1,15}$/.test(from)) return Number(from);
  return createHash("sha256").update(from).digest().readUIntBE(0, 5);
}

/** The Telegram simulator behind the common ChannelSimulator interface (sandbox API, e2e tests). */
export async function startTelegramChannelSimulator(): Promise<TelegramChannelSimulator> {
  const sim = await startTelegramSimulator();
  const nextUpdateId = createUpdateIds();
  let nextCustomerMessageId = 1_000;
  /** Chat ids the simulator made up for customers given by another kind of id, back to that id. */
  const customers = new Map<string, string>();
  const toSend = (m: TelegramSentMessage): SimulatedSend => ({
    to: customers.get(m.chatId) ?? m.chatId,
    text: m.text,
    choices: m.buttons.map((b) => b.text),
    providerMessageId: `${m.chatId}:${m.messageId}`,
    // The bot token is part of the path: the common view (shown by the sandbox API) never carries
    // it; `provider.sent` keeps the exact request for tests.
    request: {
      method: "POST",
      path: m.path.replace(/^\/bot[^/]+/, "/bot[redacted]"),
      headers: m.headers,
      body: m.body,
    },
    receivedAt: m.receivedAt,
  });

  const webhook = (webhookUrl: string, message: CustomerMessage) => {
    const customer = { chatId: chatIdFor(message.from), firstName: message.name ?? "Test Customer" };
    if (String(customer.chatId) !== message.from) remember(customers, String(customer.chatId), message.from);
    const updateId =
      message.id !== undefined && /^\d+$/.test(message.id) ? Number(message.id) : nextUpdateId();
    let update: unknown;
    if (message.choice) {
      const choice = message.choice;
      // The customer taps a button of the last keyboard the bot sent to this chat.
      const keyboardMessage = [...sim.sent]
        .reverse()
        .find(
          (m) =>
            m.chatId === String(customer.chatId) &&
            m.buttons.some((b) => b.text === choice.title || b.data === choice.id),
        );
      const button = keyboardMessage?.buttons.find((b) => b.text === choice.title || b.data === choice.id);
      update = callbackUpdate(updateId, customer, {
        messageId: keyboardMessage?.messageId ?? 1,
        text: keyboardMessage?.text ?? "",
        replyMarkup: keyboardMessage?.replyMarkup ?? {
          inline_keyboard: [[{ text: choice.title, callback_data: choice.id }]],
        },
        data: button?.data ?? choice.id,
      });
    } else {
      update = textUpdate(updateId, customer, message.text, nextCustomerMessageId++);
    }
    const secret = sim.webhook?.secretToken ?? sim.config.secretToken;
    return {
      url: webhookUrl,
      headers: webhookHeaders(secret),
      body: JSON.stringify(update),
      id: String(updateId),
    };
  };

  return {
    type: "telegram",
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
    addressOf: (from) => String(chatIdFor(from)),
    async say(webhookUrl, message, options) {
      const { url, headers, body, id } = webhook(webhookUrl, message);
      const response = await fetch(deliveryUrl(url, options?.deliverTo), { method: "POST", headers, body });
      const text = await response.text();
      const contentType = response.headers.get("content-type");
      // Like Telegram, a 2xx answer may carry one Bot API call (https://core.telegram.org/bots/api#making-requests-when-getting-updates).
      if (response.ok && contentType?.includes("application/json")) {
        try {
          const call = JSON.parse(text) as { method?: unknown; callback_query_id?: unknown };
          if (call.method === "answerCallbackQuery" && typeof call.callback_query_id === "string") {
            sim.answeredCallbacks.push(call.callback_query_id);
            keepNewest(sim.answeredCallbacks);
          }
        } catch {
          // Not a method call: Telegram ignores the body.
        }
      }
      return { status: response.status, body: text, contentType, id };
    },
    close: () => sim.close(),
  };
}
