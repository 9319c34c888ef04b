import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { callProvider, type ProviderAnswer, providerRefusal, unreadableAnswer } from "../provider-http.js";
import type { BirdConfig } from "./config.js";
import { BirdLimits, E164_PATTERN } from "./limits.js";

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

export function messagesUrl(config: BirdConfig): string {
  const base = config.apiBaseUrl.replace(/\/+$/, "");
  return `${base}/workspaces/${encodeURIComponent(config.workspaceId)}/channels/${encodeURIComponent(config.channelId)}/messages`;
}

/**
 * The body of `POST /workspaces/{ws}/channels/{channelId}/messages`: a text SMS to one phone.
 * SMS has no buttons, so choices go as numbered lines. `reference` carries the correlation id:
 * Bird keeps it on the message and sends it back in every `sms.outbound` status event.
 * https://docs.bird.com/api/channels-api/supported-channels/programmable-sms/sending-sms-messages
 * https://docs.bird.com/api/channels-api/api-reference/messaging
 */
export function buildSendBody(message: OutboundMessage): Record<string, unknown> {
  if (!E164_PATTERN.test(message.to)) {
    throw sendFailed(`"${message.to}" is not a phone number in E.164 (e.g. +31612345678).`);
  }
  const text = numberedChoices(message.text, message.choices ?? []);
  if (text.trim().length === 0) throw sendFailed("Cannot send an empty SMS.");
  if (text.length > BirdLimits.textChars) {
    throw sendFailed(
      `The message is ${text.length} characters; Tern sends at most ${BirdLimits.textChars} by SMS. Shorten it.`,
    );
  }
  return {
    receiver: { contacts: [{ identifierValue: message.to }] },
    body: { type: "text", text: { text } },
    ...(message.correlationId ? { reference: message.correlationId } : {}),
  };
}

/** Sends one SMS through Bird's channels API; Bird answers 202 with the message (its `id`). */
export async function send(
  message: OutboundMessage,
  config: BirdConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  const call = {
    provider: "Bird",
    fetch: deps.fetch,
    url: messagesUrl(config),
    init: {
      method: "POST",
      headers: {
        authorization: `AccessKey ${config.accessKey}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify(buildSendBody(message)),
    },
    secrets: [config.accessKey, config.signingKey],
  };
  const answer = await callProvider(call);
  if (answer.status >= 200 && answer.status < 300) {
    const id = idOf(answer.json);
    if (!id) throw unreadableAnswer("Bird", answer, "message id");
    return { providerMessageId: id };
  }
  throw refusal(call, answer);
}

function idOf(json: unknown): string | undefined {
  return json && typeof json === "object" && "id" in json && typeof json.id === "string" && json.id !== ""
    ? json.id
    : undefined;
}

/**
 * Bird's error body `{"code":"…","message":"…","details":{…}}` (api.bird.com, "Common API
 * usage"); read tolerantly, since only the HTTP status is relied upon.
 */
function birdError(json: unknown): { code?: string; text?: string } {
  if (!json || typeof json !== "object") return {};
  const body = "error" in json && json.error && typeof json.error === "object" ? json.error : json;
  const code =
    "code" in body && (typeof body.code === "string" || typeof body.code === "number")
      ? String(body.code)
      : undefined;
  const message = "message" in body && typeof body.message === "string" ? body.message : undefined;
  const text = [code, message].filter(Boolean).join(": ");
  return { ...(code ? { code } : {}), ...(text ? { text } : {}) };
}

function refusal(call: { provider: string; secrets: ReadonlyArray<string> }, answer: ProviderAnswer) {
  const { code, text } = birdError(answer.json);
  const details = code ? { providerCode: code } : {};
  if (answer.status === 401 || answer.status === 403) {
    return providerRefusal(
      call,
      answer,
      `${text ?? "not authorized"}. Check accessKey (an access key whose role may send on this channel), workspaceId and channelId.`,
      { details },
    );
  }
  return providerRefusal(call, answer, text, { details });
}
