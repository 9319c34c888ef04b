import type { RetryHint } from "../../core/app-error.js";

/**
 * WeChat answers HTTP 200 with `{errcode, errmsg}`; errcode 0 is success. What each code means for
 * a send, and whether trying again can help. Codes:
 * https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html and the
 * customer-service message page (45015, 45047):
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
 */
export interface WeChatAdvice {
  message: string;
  retry: RetryHint;
}

/** The access token was refused: fetch a new one and try once more. */
export const TOKEN_REJECTED = new Set([40001, 40014, 42001]);

export function adviceFor(errcode: number): WeChatAdvice {
  switch (errcode) {
    case -1:
      return { message: "WeChat is busy (system error -1).", retry: "default" };
    case 45015:
      return {
        message:
          "More than 48 hours have passed since the customer last wrote (or they unfollowed), so the customer-service API may not message them. Wait for the customer to write again.",
        retry: "never",
      };
    case 45047:
      return {
        message:
          "Too many customer-service messages to this customer without an answer from them; WeChat allows more once the customer writes again.",
        retry: "never",
      };
    case 45009:
      return {
        message: "The daily API call quota of this Official Account is used up.",
        retry: { afterMs: 3_600_000 },
      };
    case 45011:
      return { message: "API calls too frequent.", retry: { afterMs: 1_000 } };
    case 40003:
      return {
        message:
          "The recipient openid is not valid for this Official Account (another AppID's openid, or a typo).",
        retry: "never",
      };
    case 43004:
      return { message: "The customer no longer follows this Official Account.", retry: "never" };
    case 48001:
      return {
        message:
          "This Official Account is not authorized for the customer-service API: it needs a verified service account.",
        retry: "never",
      };
    case 40164:
    case 61004:
      return {
        message:
          "Tern's server IP address is not on the Official Account's IP whitelist. Add it under Basic configuration → IP whitelist.",
        retry: "never",
      };
    case 40013:
      return { message: "The appId is not a valid AppID.", retry: "never" };
    case 40125:
    case 40243:
      return {
        message: "The appSecret is wrong. Copy (or reset) the AppSecret under Basic configuration.",
        retry: "never",
      };
    case 40001:
    case 40014:
    case 42001:
      return {
        message: "WeChat refused a freshly fetched access token. Check the appId and appSecret.",
        retry: "never",
      };
    case 45002:
      return { message: "The message is longer than WeChat accepts. Shorten it.", retry: "never" };
    default:
      return { message: "WeChat refused the request.", retry: "never" };
  }
}

/** `{errcode, errmsg}` from a WeChat answer, when it has a non-zero errcode. */
export function errorOf(json: unknown): { errcode: number; errmsg: string } | undefined {
  if (!json || typeof json !== "object" || !("errcode" in json) || typeof json.errcode !== "number") {
    return undefined;
  }
  if (json.errcode === 0) return undefined;
  const errmsg = "errmsg" in json && typeof json.errmsg === "string" ? json.errmsg : "";
  return { errcode: json.errcode, errmsg };
}
