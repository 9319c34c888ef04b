import { AppError, isAppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { choiceMisfit } from "../choice-fit.js";
import { callProvider, type ProviderAnswer, providerRefusal, unreadableAnswer } from "../provider-http.js";
import type { LineConfig } from "./config.js";
import { LineLimits as L, LINE_ID_PATTERN, LineQuickReplies, lineLength } from "./limits.js";
import { lineRetryKey } from "./retry-key.js";

type Choice = { id: string; title: string };

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

/**
 * One text message object; choices become quick-reply postback buttons (the tap posts a
 * `postback` event with `data` = the choice id, and shows the title in the chat as the
 * customer's words), or numbered lines when they do not fit.
 * https://developers.line.biz/en/reference/messaging-api/#quick-reply
 */
export function buildTextMessage(text: string, choices: Choice[] = []): Record<string, unknown> {
  const asButtons = choices.length > 0 && choiceMisfit(LineQuickReplies, choices, undefined) === null;
  const body = asButtons ? text : numberedChoices(text, choices);
  if (body.trim().length === 0) throw sendFailed("Cannot send an empty LINE message.");
  if (lineLength(body) > L.textChars) {
    throw sendFailed(
      `The message is ${lineLength(body)} characters; LINE allows ${L.textChars}. Shorten it.`,
    );
  }
  const message: Record<string, unknown> = { type: "text", text: body };
  if (asButtons) {
    message.quickReply = {
      items: choices.map((c) => ({
        type: "action",
        action: { type: "postback", label: c.title, data: c.id, displayText: c.title },
      })),
    };
  }
  return message;
}

/** The JSON body for `POST /v2/bot/message/push`. */
export function buildPushBody(message: OutboundMessage): Record<string, unknown> {
  if (!LINE_ID_PATTERN.test(message.to)) {
    throw sendFailed(`"${message.to}" is not a LINE user, group or room id (U/C/R + 32 hex digits).`);
  }
  return { to: message.to, messages: [buildTextMessage(message.text, message.choices ?? [])] };
}

export function pushUrl(config: LineConfig): string {
  return messageApiUrl(config, "push");
}

function messageApiUrl(config: LineConfig, call: "push" | "reply"): string {
  return `${config.apiBaseUrl.replace(/\/+$/, "")}/v2/bot/message/${call}`;
}

/** The channel access token and a JSON body: what both sends carry. */
function jsonHeaders(config: LineConfig): Record<string, string> {
  return { authorization: `Bearer ${config.channelAccessToken}`, "content-type": "application/json" };
}

/**
 * Sends by push, or with the reply token when the send carries one (`replyWithToken`, fresh).
 *
 * Push carries `X-Line-Retry-Key` derived from the effect key: a repeat of an accepted push
 * answers 409, which is the message already sent; it counts against the monthly quota
 * (docs/channels/line.md). https://developers.line.biz/en/reference/messaging-api/#send-push-message
 *
 * A reply is free, but its token is single-use and the call takes no retry key. So a reply LINE
 * refuses (4xx: the token lapsed or was used) goes out by push at once, and a reply whose outcome
 * is unknown (no answer, 5xx) is settled as unknown and not repeated: a push after it could
 * deliver the message twice. https://developers.line.biz/en/reference/messaging-api/#send-reply-message
 */
export async function send(
  message: OutboundMessage,
  config: LineConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  if (message.replyToken) {
    const replied = await sendReply(message, message.replyToken, config, deps);
    if (replied) return replied;
  }
  return sendPush(message, config, deps);
}

/** A reply with `replyToken`; null when LINE refused it (the caller pushes instead). */
async function sendReply(
  message: OutboundMessage,
  replyToken: string,
  config: LineConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult | null> {
  const call = {
    provider: "LINE",
    fetch: deps.fetch,
    url: messageApiUrl(config, "reply"),
    init: {
      method: "POST",
      headers: jsonHeaders(config),
      body: JSON.stringify({ replyToken, messages: [buildTextMessage(message.text, message.choices ?? [])] }),
    },
    secrets: [config.channelAccessToken, config.channelSecret, replyToken],
  };
  const unknown: SendResult = { providerMessageId: "", outcome: "unknown" };
  let answer: ProviderAnswer;
  try {
    answer = await callProvider(call);
  } catch (error) {
    const outcome = isAppError(error) ? error.details?.outcome : undefined;
    if (outcome === "not_sent") return null; // never connected: the push goes instead
    if (outcome === "unknown") return unknown;
    throw error;
  }
  if (answer.status === 200) return { providerMessageId: sentMessageId(answer.json) ?? "" };
  return answer.status >= 500 ? unknown : null;
}

async function sendPush(
  message: OutboundMessage,
  config: LineConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  const body = buildPushBody(message);
  const headers = jsonHeaders(config);
  const retryKey = message.correlationId === undefined ? undefined : lineRetryKey(message.correlationId);
  if (retryKey) headers["x-line-retry-key"] = retryKey;
  const call = {
    provider: "LINE",
    fetch: deps.fetch,
    url: pushUrl(config),
    init: { method: "POST", headers, body: JSON.stringify(body) },
    secrets: [config.channelAccessToken, config.channelSecret],
  };
  const answer = await callProvider(call);
  if (answer.status === 200) {
    const id = sentMessageId(answer.json);
    if (!id) throw unreadableAnswer("LINE", answer, "sentMessages id");
    return { providerMessageId: id };
  }
  if (answer.status === 409 && retryKey) {
    // Only a repeated retry key answers 409: LINE accepted this very push before and its answer
    // was lost. It names that request in `x-line-accepted-request-id` and, per the OpenAPI
    // ErrorResponse, may list `sentMessages`. Either way the message went out once.
    const id = sentMessageId(answer.json) ?? acceptedRequestId(answer) ?? `retry-key:${retryKey}`;
    return { providerMessageId: id };
  }
  throw refusal(call, answer);
}

function sentMessageId(json: unknown): string | undefined {
  if (!json || typeof json !== "object" || !("sentMessages" in json) || !Array.isArray(json.sentMessages)) {
    return undefined;
  }
  const first: unknown = json.sentMessages[0];
  return first && typeof first === "object" && "id" in first && typeof first.id === "string"
    ? first.id
    : undefined;
}

function acceptedRequestId(answer: ProviderAnswer): string | undefined {
  const id = answer.headers.get("x-line-accepted-request-id");
  return id ? `request:${id}` : undefined;
}

/** LINE's error body: `{message, details:[{message, property}]}`. */
function lineErrorText(json: unknown): string | undefined {
  if (!json || typeof json !== "object" || !("message" in json) || typeof json.message !== "string") {
    return undefined;
  }
  const details =
    "details" in json && Array.isArray(json.details)
      ? json.details
          .map((d: unknown) =>
            d && typeof d === "object" && "message" in d && "property" in d
              ? `${String(d.property)}: ${String(d.message)}`
              : "",
          )
          .filter(Boolean)
      : [];
  return [json.message, ...details].join("; ");
}

function refusal(call: { provider: string; secrets: ReadonlyArray<string> }, answer: ProviderAnswer) {
  const text = lineErrorText(answer.json);
  // The monthly free-message quota answers 429 too, but waiting seconds does not help.
  // https://developers.line.biz/en/reference/messaging-api/#status-codes
  if (answer.status === 429 && text?.toLowerCase().includes("monthly limit")) {
    return providerRefusal(
      call,
      answer,
      `${text.replace(/[.\s]+$/, "")}. The LINE Official Account has used its monthly message quota; raise the plan in LINE Official Account Manager.`,
      { retry: "never" },
    );
  }
  if (answer.status === 401) {
    return providerRefusal(
      call,
      answer,
      `${text ?? "authentication failed"}. Issue a new channel access token (Messaging API tab) and update channelAccessToken.`,
    );
  }
  return providerRefusal(call, answer, text);
}
