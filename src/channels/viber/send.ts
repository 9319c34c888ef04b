import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { choiceMisfit } from "../choice-fit.js";
import { callProvider, providerRefusal, unreadableAnswer } from "../provider-http.js";
import { apiUrl, type ViberConfig } from "./config.js";
import { viberRefusal } from "./errors.js";
import { charLength, ViberLimits as L, ViberButtons } from "./limits.js";
import { parseJsonLossless, tokenString } from "./lossless.js";
import { ViberAnswer } from "./schema.js";

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

/**
 * Choices as a keyboard of reply buttons: a tap sends the button's ActionBody (the choice id)
 * back as a text message. Shape: Viber/creators-hub docs/bots-api/resources/messaging/keyboards (= creators.viber.com/docs/bots-api/resources/messaging/keyboards)
 */
function keyboard(choices: ReadonlyArray<{ id: string; title: string }>): Record<string, unknown> {
  return {
    Type: "keyboard",
    DefaultHeight: false,
    Buttons: choices.map((c) => ({
      ActionType: "reply",
      ActionBody: c.id,
      Text: c.title,
      TextSize: "regular",
    })),
  };
}

/** The JSON body for `POST /pa/send_message`: https://github.com/Viber/creators-hub docs/bots-api/data-models/message.md */
export function buildSendBody(message: OutboundMessage, config: ViberConfig): Record<string, unknown> {
  const choices = message.choices ?? [];
  // Choices beyond the buttons' limits (more than 24, an empty or overlong title) go as numbered
  // lines, as on every channel without buttons: the ask step maps `1` or the title back.
  const asKeyboard = choices.length > 0 && choiceMisfit(ViberButtons, choices, undefined) === null;
  const text = asKeyboard ? message.text : numberedChoices(message.text, choices);
  const base: Record<string, unknown> = {
    receiver: message.to,
    min_api_version: 1,
    sender: { name: config.senderName },
    // No tracking_data: Viber echoes it only in the customer's next message, not in statuses,
    // so it cannot settle a send whose outcome is unknown (capabilities.echoesCorrelation).
  };
  const withKeyboard = asKeyboard ? { keyboard: keyboard(choices) } : {};
  if (message.media) {
    // Video and file messages need the byte size up front, which Tern does not know for a URL.
    if (message.media.kind !== "image")
      throw sendFailed(`Viber media by URL supports images only (not ${message.media.kind}).`);
    if (charLength(text) > L.pictureTextChars) {
      throw sendFailed(`A picture description is at most ${L.pictureTextChars} characters on Viber.`);
    }
    return { ...base, type: "picture", text, media: message.media.url, ...withKeyboard };
  }
  if (text.trim().length === 0) throw sendFailed("Cannot send an empty Viber message.");
  if (charLength(text) > L.textChars) {
    throw sendFailed(
      `The message is ${charLength(text)} characters; Viber allows ${L.textChars}. Shorten it.`,
    );
  }
  return { ...base, type: "text", text, ...withKeyboard };
}

/**
 * `POST {apiBaseUrl}/pa/send_message` with X-Viber-Auth-Token. Success is `status: 0` with the
 * new message's int64 `message_token`, read losslessly: it is what delivered/seen callbacks name.
 */
export async function send(
  message: OutboundMessage,
  config: ViberConfig,
  deps: { fetch: FetchLike },
): Promise<SendResult> {
  const body = buildSendBody(message, config);
  const request = JSON.stringify(body);
  if (Buffer.byteLength(request, "utf8") > L.requestBytes) {
    throw sendFailed("The message with its keyboard is larger than Viber's 30 KB limit. Shorten it.");
  }
  const secrets = [config.authToken];
  const answer = await callProvider({
    provider: "Viber",
    fetch: deps.fetch,
    url: apiUrl(config, "send_message"),
    init: {
      method: "POST",
      headers: { "x-viber-auth-token": config.authToken, "content-type": "application/json" },
      body: request,
    },
    secrets,
  });
  if (answer.status < 200 || answer.status > 299)
    throw providerRefusal({ provider: "Viber", secrets }, answer, undefined);
  let json: unknown;
  try {
    json = parseJsonLossless(answer.text);
  } catch {
    json = undefined;
  }
  const parsed = ViberAnswer.safeParse(json);
  if (!parsed.success) throw unreadableAnswer("Viber", answer, "status");
  if (parsed.data.status !== 0) throw viberRefusal(parsed.data.status, parsed.data.status_message, secrets);
  if (parsed.data.message_token === undefined) throw unreadableAnswer("Viber", answer, "message_token");
  return { providerMessageId: tokenString(parsed.data.message_token) };
}
