import { AppError } from "../../core/app-error.js";
import type { FetchLike } from "../../core/fetch.js";
import { numberedChoices, type OutboundMessage, type SendResult } from "../channel.js";
import { callProvider, providerRefusal, unreadableAnswer } from "../provider-http.js";
import { type AccessTokens, accessTokens } from "./access-token.js";
import type { WeChatConfig } from "./config.js";
import { adviceFor, errorOf, TOKEN_REJECTED } from "./errors.js";

/**
 * Text content limit of a customer-service message, in UTF-8 bytes (a CJK character takes three).
 * WeChat answers 45002 beyond it.
 */

/**
 * A follower's openid, as the customer-service API takes it in `touser`. Real ones are 28
 * characters ("oLVPpjqs9BhvzwPj5A-vTYAX3GLc"), but WeChat documents no format, and its own example
 * message is from "fromUser": any token of these characters is taken.
 */
export function isWeChatOpenId(to: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(to);
}

export const WECHAT_TEXT_BYTES = 2048;

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}

/**
 * `{touser, msgtype:"text", text:{content}}`. No buttons in customer-service text messages:
 * choices go as numbered lines, and the ask step maps a reply of `1` or the title back.
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
 */
export function buildCustomSendBody(message: OutboundMessage): Record<string, unknown> {
  if (!isWeChatOpenId(message.to)) {
    throw sendFailed(`"${message.to}" is not a WeChat openid.`);
  }
  const content = numberedChoices(message.text, message.choices ?? []);
  if (content.trim().length === 0) throw sendFailed("Cannot send an empty WeChat message.");
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes > WECHAT_TEXT_BYTES) {
    throw sendFailed(`The message is ${bytes} bytes; WeChat allows ${WECHAT_TEXT_BYTES}. Shorten it.`);
  }
  return { touser: message.to, msgtype: "text", text: { content } };
}

export function customSendUrl(config: WeChatConfig, accessToken: string): string {
  return `${config.apiBaseUrl.replace(/\/+$/, "")}/cgi-bin/message/custom/send?access_token=${encodeURIComponent(accessToken)}`;
}

/**
 * Replies through the customer-service API, after the flow ran: the 5-second passive reply is
 * never used (Tern acknowledges with `success` at once). The answer carries no message id, so
 * the result is the effect key. A refused access token (40001/42001) is fetched again and the
 * send repeated once — the refusal means the message did not go out.
 */
export async function send(
  message: OutboundMessage,
  config: WeChatConfig,
  deps: { fetch: FetchLike; tokens?: AccessTokens },
): Promise<SendResult> {
  const body = JSON.stringify(buildCustomSendBody(message));
  const tokens = deps.tokens ?? accessTokens;
  for (let attempt = 1; ; attempt++) {
    const token = await tokens.get(config, deps.fetch);
    const call = {
      provider: "WeChat",
      fetch: deps.fetch,
      url: customSendUrl(config, token),
      init: { method: "POST", headers: { "content-type": "application/json" }, body },
      secrets: [token, encodeURIComponent(token), config.appSecret],
    };
    const answer = await callProvider(call);
    if (answer.status !== 200) throw providerRefusal(call, answer, errorOf(answer.json)?.errmsg);
    const error = errorOf(answer.json);
    if (!error) {
      const json = answer.json as { errcode?: unknown; msgid?: unknown } | undefined;
      if (json?.errcode !== 0) throw unreadableAnswer("WeChat", answer, "errcode");
      const id =
        typeof json.msgid === "number" || typeof json.msgid === "string" ? String(json.msgid) : undefined;
      return { providerMessageId: id ?? `custom:${message.correlationId ?? Date.now()}` };
    }
    if (TOKEN_REJECTED.has(error.errcode) && attempt === 1) {
      tokens.invalidate(config, token);
      continue;
    }
    const advice = adviceFor(error.errcode);
    throw providerRefusal(call, answer, `${advice.message} (errcode ${error.errcode}: ${error.errmsg})`, {
      retry: advice.retry,
      details: { errcode: error.errcode },
    });
  }
}
