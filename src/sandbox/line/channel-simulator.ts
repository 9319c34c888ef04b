import { remember, rememberKey } from "../bounded.js";
import {
  type ChannelSimulator,
  type CustomerMessage,
  postWebhookRequest,
  type SimulatedSend,
} from "../channel-simulator.js";
import { type LinePush, startLineSimulator } from "./simulator.js";
import {
  callbackBody,
  lineUserId,
  newWebhookEventId,
  postbackEvent,
  signLineBody,
  textEvent,
} from "./webhooks.js";

/** The LINE simulator behind the common ChannelSimulator interface (the sandbox API, e2e tests). */
export async function startLineChannelSimulator(): Promise<ChannelSimulator> {
  const sim = await startLineSimulator();
  /** LINE ids the simulator made up for customers given by another kind of id, back to that id. */
  const customers = new Map<string, string>();
  /** Event ids already posted: posting one again is a redelivery (`isRedelivery: true`). */
  const posted = new Set<string>();
  const toSend = (push: LinePush): SimulatedSend => ({
    to: customers.get(push.to) ?? push.to,
    text: push.text,
    choices: push.choices.map((c) => c.label),
    providerMessageId: push.messageId,
    request: { method: "POST", path: `/v2/bot/message/${push.via}`, headers: push.headers, body: push.body },
    receivedAt: push.receivedAt,
  });
  const webhook = (webhookUrl: string, message: CustomerMessage) => {
    const userId = lineUserId(message.from);
    if (userId !== message.from) remember(customers, userId, message.from);
    const id = message.id ?? newWebhookEventId();
    // A redelivery carries the token LINE issued with the event; this one is fresh either way.
    const options = {
      userId,
      webhookEventId: id,
      isRedelivery: posted.has(id),
      replyToken: sim.issueReplyToken(userId),
    };
    rememberKey(posted, id);
    const event = message.choice
      ? postbackEvent({ ...options, data: message.choice.id })
      : textEvent({ ...options, text: message.text });
    const body = callbackBody([event]);
    return { url: webhookUrl, headers: signLineBody(body, sim.config.channelSecret), body, id };
  };
  return {
    type: "line",
    url: sim.url,
    config: { ...sim.config },
    get sent() {
      return sim.pushes.map(toSend);
    },
    async waitForSent(predicate, timeoutMs) {
      return toSend(await sim.waitForPush((p) => predicate(toSend(p)), timeoutMs));
    },
    webhook,
    addressOf: lineUserId,
    say(webhookUrl, message, options) {
      return postWebhookRequest(webhook(webhookUrl, message), options);
    },
    close: () => sim.close(),
  };
}
