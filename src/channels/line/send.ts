import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { callProvider, type ProviderAnswer, providerRefusal, unreadableAnswer } from "../provider-http.js";
import type { LineConfig } from "./config.js";
import { LineLimits as L, LINE_ID_PATTERN, lineLength } from "./limits.js";
import { lineRetryKey } from "./retry-key.js";

type Choice = { id: string; title: string };

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

function fitsQuickReply(choices: Choice[]): boolean {
  return (
    choices.length <= L.quickReplyItems &&
    choices.every((c) => c.title.trim().length > 0 && lineLength(c.title) <= L.actionLabelChars) &&
    choices.every((c) => c.id.length > 0 && lineLength(c.id) <= L.postbackDataChars) &&
    new Set(choices.map((c) => c.id)).size === choices.length
  );
}

/**
 * One text message object; choices become quick-reply postback buttons (the tap posts a
 * `postback` event with `data` = the choice id, and shows the title in the chat as the
 * customer's words), or numbered lines when they do not fit.
 * https://developers.line.biz/en/reference/messaging-api/#quick-reply
 */
export function buildTextMessage(text: string, choices: Choice[] = []): Record<string, unknown> {
  const asButtons = choices.length > 0 && fitsQuickReply(choices);
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
  return `${config.apiBaseUrl.replace(/\/+$/, "")}/v2/bot/message/push`;
}

/**
 * Sends by push, never with the reply token: Tern answers after the flow ran in the worker
 * (often after a Salesforce call), the token is single-use and lapses after about a minute, and a
 * reply call cannot carry a retry key, so a reply whose outcome is unknown could not be repeated
 * safely. Push carries `X-Line-Retry-Key` derived from the effect key: a repeat of an accepted
 * push answers 409, which is the message already sent. Push counts against the monthly quota
 * (docs/channels/line.md).
 * https://developers.line.biz/en/reference/messaging-api/#send-push-message
 */
export async function send(
  message: OutboundMessage,
  config: LineConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  const body = buildPushBody(message);
  const headers: Record<string, string> = {
    authorization: `Bearer ${config.channelAccessToken}`,
    "content-type": "application/json",
  };
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
