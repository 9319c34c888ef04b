import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { choiceMisfit } from "../choice-fit.js";
import { callProvider, type ProviderAnswer, providerRefusal } from "../provider-http.js";
import { accessToken, forgetAccessToken } from "./access-token.js";
import type { RcsConfig } from "./config.js";
import { E164_PATTERN, RcsLimits as L, NOT_RCS_CAPABLE, RcsSuggestions } from "./limits.js";
import { rcsMessageId } from "./message-id.js";

type Choice = { id: string; title: string };

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

/**
 * An AgentMessage with a text `contentMessage`; choices become suggested replies (a tap posts a
 * UserMessage with `suggestionResponse.postbackData` = the choice id and `text` = its title), or
 * numbered lines when they do not fit (more than 11, a title over 25 characters). With media the
 * message is a standalone rich card: the image or video by URL, the text as its description.
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages#AgentContentMessage
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages#standalonecard
 */
export function buildAgentMessage(
  text: string,
  choices: Choice[] = [],
  media?: OutboundMessage["media"],
): Record<string, unknown> {
  const asSuggestions = choices.length > 0 && choiceMisfit(RcsSuggestions, choices, undefined) === null;
  const body = asSuggestions ? text : numberedChoices(text, choices);
  const suggestions = asSuggestions
    ? { suggestions: choices.map((c) => ({ reply: { text: c.title, postbackData: c.id } })) }
    : {};
  if (media) return { contentMessage: { richCard: richCard(body, media), ...suggestions } };
  if (body.trim().length === 0) throw sendFailed("Cannot send an empty RCS message.");
  if (body.length > L.textChars) {
    throw sendFailed(`The message is ${body.length} characters; RCS allows ${L.textChars}. Shorten it.`);
  }
  return { contentMessage: { text: body, ...suggestions } };
}

function richCard(
  description: string,
  media: NonNullable<OutboundMessage["media"]>,
): Record<string, unknown> {
  if (media.kind !== "image" && media.kind !== "video") {
    throw sendFailed(`RCS rich cards carry images and videos (not ${media.kind}).`);
  }
  if (!/^https:\/\//.test(media.url)) throw sendFailed("RCS fetches media by a public https URL.");
  if (description.length > L.cardDescriptionChars) {
    throw sendFailed(
      `The text of a media message is ${description.length} characters; an RCS rich card allows ${L.cardDescriptionChars}. Shorten it.`,
    );
  }
  const cardContent: Record<string, unknown> = {
    ...(description.trim().length > 0 ? { description } : {}),
    media: { height: "MEDIUM", contentInfo: { fileUrl: media.url } },
  };
  return { standaloneCard: { cardOrientation: "VERTICAL", cardContent } };
}

/** `POST /v1/phones/{E.164}/agentMessages?messageId=…&agentId=…` */
export function agentMessagesUrl(config: RcsConfig, phone: string, messageId: string): string {
  const base = config.apiBaseUrl.replace(/\/+$/, "");
  const query = new URLSearchParams({ messageId, agentId: config.agentId });
  return `${base}/v1/phones/${phone}/agentMessages?${query.toString()}`;
}

/**
 * Sends one agent message. Its `messageId` is derived from the correlation id, so a repeat after a
 * lost answer is ignored by Google (`idempotentSends`) and DELIVERED / READ events name it.
 * A 404 means the phone is not RCS-capable (or not reachable): final, with
 * `details.providerCode: "NOT_RCS_CAPABLE"` so a fallback to SMS can tell why.
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages/create
 */
export async function send(
  message: OutboundMessage,
  config: RcsConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  if (!E164_PATTERN.test(message.to)) {
    throw sendFailed(`"${message.to}" is not a phone number in E.164 (e.g. +12223334444).`);
  }
  const body = buildAgentMessage(message.text, message.choices ?? [], message.media);
  const messageId = rcsMessageId(message.correlationId);
  const token = await accessToken(config, deps);
  const call = {
    provider: "RCS Business Messaging",
    fetch: deps.fetch,
    url: agentMessagesUrl(config, message.to, messageId),
    init: {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify(body),
    },
    secrets: [token, config.clientToken, config.serviceAccountKey.private_key],
  };
  const answer = await callProvider(call);
  // 409 ALREADY_EXISTS would be this very message, accepted before: sent once.
  if ((answer.status >= 200 && answer.status < 300) || answer.status === 409)
    return { providerMessageId: messageId };
  if (answer.status === 401) forgetAccessToken(config);
  throw refusal(call, answer);
}

/** Google's error body: `{"error":{"code":404,"message":"…","status":"NOT_FOUND"}}`. */
function googleError(json: unknown): { status?: string; text?: string } {
  if (
    !json ||
    typeof json !== "object" ||
    !("error" in json) ||
    !json.error ||
    typeof json.error !== "object"
  ) {
    return {};
  }
  const error = json.error;
  const status = "status" in error && typeof error.status === "string" ? error.status : undefined;
  const message = "message" in error && typeof error.message === "string" ? error.message : undefined;
  const text = [status, message].filter(Boolean).join(": ");
  return { ...(status ? { status } : {}), ...(text ? { text } : {}) };
}

function refusal(call: { provider: string; secrets: ReadonlyArray<string> }, answer: ProviderAnswer) {
  const { status, text } = googleError(answer.json);
  // Only Google's own NOT_FOUND says the phone is not RCS-capable. A 404 without it is a wrong
  // address (apiBaseUrl ending in /v1, a proxy's path): every customer would go to SMS for it.
  if (answer.status === 404 && status !== "NOT_FOUND") {
    return providerRefusal(
      call,
      answer,
      "no RBM API at this address (a 404 without Google's error body): check the channel's apiBaseUrl, which ends before /v1 (https://rcsbusinessmessaging.googleapis.com)",
      { retry: "never", details: {} },
    );
  }
  if (answer.status === 404) {
    const refused = providerRefusal(
      call,
      answer,
      `${(text ?? "NOT_FOUND").replace(/\.$/, "")}; the phone is not RCS-capable or not reachable by RBM (send by SMS instead)`,
      {
        retry: "never",
        // undeliverable: a send step's fallback (SMS) carries it instead (queue/fallback.ts).
        details: {
          providerCode: NOT_RCS_CAPABLE,
          undeliverable: true,
          ...(status ? { providerStatus: status } : {}),
        },
      },
    );
    // Also a flow field: the run history and a flow's `onError` branch see `error.providerCode`.
    return new AppError(refused.code, refused.message, {
      retry: refused.retry,
      ...(refused.details ? { details: refused.details } : {}),
      flowFields: { providerCode: NOT_RCS_CAPABLE },
    });
  }
  if (answer.status === 401) {
    // The token was refused (revoked, expired early): forgotten above, the next attempt gets a new one.
    return providerRefusal(call, answer, text, {
      retry: "default",
      details: status ? { providerStatus: status } : {},
    });
  }
  if (answer.status === 403) {
    return providerRefusal(
      call,
      answer,
      `${text ?? "PERMISSION_DENIED"}. Before launch an agent may only message its invited testers; check agentId and that the service account belongs to the agent's project`,
      { details: status ? { providerStatus: status } : {} },
    );
  }
  return providerRefusal(call, answer, text, { details: status ? { providerStatus: status } : {} });
}
