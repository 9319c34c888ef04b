import { randomUUID } from "node:crypto";
import { computeRcsSignature } from "../../channels/rcs/verify.js";

/**
 * Webhook requests as RBM posts them: a Pub/Sub push message whose `data` is the base64 of a
 * UserMessage or UserEvent, signed with `X-Goog-Signature` = base64(HMAC-SHA512(clientToken,
 * decoded data)); and the webhook's setup check `{clientToken, secret}`.
 * https://developers.google.com/business-communications/rcs-business-messaging/guides/integrate/webhooks
 */
export function rcsEventRequest(
  data: Record<string, unknown>,
  clientToken: string,
): { headers: Record<string, string>; body: string } {
  const decoded = Buffer.from(JSON.stringify(data), "utf8");
  const body = JSON.stringify({
    message: {
      data: decoded.toString("base64"),
      messageId: String(Date.now()),
      publishTime: new Date().toISOString(),
    },
    subscription: "projects/rbm-sim/subscriptions/rbm-sim",
  });
  return {
    headers: {
      "content-type": "application/json",
      "x-goog-signature": computeRcsSignature(decoded, clientToken),
    },
    body,
  };
}

export function userTextMessage(input: { agentId: string; from: string; text: string; messageId?: string }) {
  return {
    senderPhoneNumber: input.from,
    messageId: input.messageId ?? randomUUID(),
    sendTime: new Date().toISOString(),
    agentId: input.agentId,
    text: input.text,
  };
}

export function userSuggestionResponse(input: {
  agentId: string;
  from: string;
  postbackData: string;
  text: string;
  messageId?: string;
}) {
  return {
    senderPhoneNumber: input.from,
    messageId: input.messageId ?? randomUUID(),
    sendTime: new Date().toISOString(),
    agentId: input.agentId,
    suggestionResponse: { postbackData: input.postbackData, text: input.text, type: "REPLY" },
  };
}

export function userEvent(input: {
  agentId: string;
  from: string;
  eventType: "DELIVERED" | "READ" | "IS_TYPING";
  messageId?: string;
}) {
  return {
    senderPhoneNumber: input.from,
    eventType: input.eventType,
    eventId: randomUUID(),
    ...(input.messageId ? { messageId: input.messageId } : {}),
    sendTime: new Date().toISOString(),
    agentId: input.agentId,
  };
}

/** The POST Google makes when the webhook is configured or verified in the console. */
export function webhookCheckBody(clientToken: string, secret: string): string {
  return JSON.stringify({ clientToken, secret });
}
