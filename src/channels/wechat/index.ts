import { defineChannel } from "../channel.js";
import { WeChatConfig, wechatSecretFields } from "./config.js";
import { parse } from "./parse.js";
import { isWeChatOpenId, send } from "./send.js";
import { handshake, verify } from "./verify.js";

/** WeChat Official Account (公众号), plain and safe mode. Setup: docs/channels/wechat.md. */
export const wechatChannel = defineChannel({
  type: "wechat",
  title: "WeChat",
  isAddress: isWeChatOpenId,
  addressHint: 'the follower\'s openid (e.g. "oLVPpjqs9BhvzwPj5A-vTYAX3GLc")',
  config: WeChatConfig,
  secretFields: wechatSecretFields,
  capabilities: {
    // Customer-service messages have no delivery receipts.
    echoesCorrelation: false,
    // Bytes in fact (send.ts WECHAT_TEXT_BYTES); characters of Latin text.
    maxTextLength: 2048,
    textUnit: "bytes",
    media: [],
    // Template messages exist but need pre-approved templates with fixed fields; not used.
    templates: false,
    // The customer-service API works within 48 hours of the customer's last message (45015 after).
    // https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
    replyWindowHours: 48,
    afterReplyWindow: "only template messages (the customer-service API answers 45015)",
    statuses: false,
    // No answer within 5 s: WeChat drops the connection and retries, three times in all.
    // https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
    ackDeadlineMs: 5_000,
  },
  handshake,
  // A callback is one short message in a flat XML document; in safe mode `msg_signature` covers
  // the <Encrypt> element, so the document is read before the signature can be checked.
  maxWebhookBytes: 64 * 1024,
  verify,
  parse,
  // An empty body or `success` tells WeChat not to expect a passive reply; anything else it would
  // show the customer, and a failure shows "该公众号暂时无法提供服务".
  acknowledge: () => ({ status: 200, body: "success", contentType: "text/plain; charset=utf-8" }),
  send: (message, config, deps) => send(message, config, deps),
});

export { accessTokens, createAccessTokens, stableTokenUrl } from "./access-token.js";
export { WeChatConfig } from "./config.js";
export { decryptMessage, encryptMessage, wechatSignature } from "./crypto.js";
export { buildCustomSendBody, customSendUrl } from "./send.js";
export { cdata, readWeChatXml } from "./xml.js";
