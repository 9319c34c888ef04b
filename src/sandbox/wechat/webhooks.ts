import { randomBytes, randomInt } from "node:crypto";
import { encryptMessage, wechatSignature } from "../../channels/wechat/crypto.js";
import { cdata } from "../../channels/wechat/xml.js";

/**
 * Callback requests as WeChat posts them to an Official Account's server URL.
 * Messages: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
 * Query signature and safe mode: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
 */
export const DEFAULT_ORIGINAL_ID = "gh_7f083739789a";

/** A 64-bit MsgId as WeChat writes it (decimal, often above 2^53). */
export function newMsgId(): string {
  return (BigInt(`0x${randomBytes(8).toString("hex")}`) >> 1n).toString();
}

/** The plaintext XML of a text message from `openid` to the account. */
export function textXml(options: {
  openid: string;
  text: string;
  msgId: string;
  to?: string;
  createTime?: number;
}): string {
  return [
    "<xml>",
    `<ToUserName>${cdata(options.to ?? DEFAULT_ORIGINAL_ID)}</ToUserName>`,
    `<FromUserName>${cdata(options.openid)}</FromUserName>`,
    `<CreateTime>${options.createTime ?? Math.floor(Date.now() / 1000)}</CreateTime>`,
    `<MsgType>${cdata("text")}</MsgType>`,
    `<Content>${cdata(options.text)}</Content>`,
    `<MsgId>${options.msgId}</MsgId>`,
    "</xml>",
  ].join("");
}

export interface SignedCallback {
  /** The query string WeChat adds to the server URL (without "?"). */
  query: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * Signs (plain) or encrypts and signs (safe) a callback. Plain: `signature` over token,
 * timestamp, nonce. Safe: the XML goes encrypted in `<Encrypt>`, the query adds
 * `encrypt_type=aes` and `msg_signature` over token, timestamp, nonce, Encrypt.
 */
export function signCallback(
  xml: string,
  options: {
    token: string;
    openid: string;
    appId: string;
    encodingAESKey?: string;
    mode: "plain" | "safe";
    to?: string;
  },
): SignedCallback {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(randomInt(100_000_000, 2_000_000_000));
  const query = new URLSearchParams({
    signature: wechatSignature([options.token, timestamp, nonce]),
    timestamp,
    nonce,
    openid: options.openid,
  });
  let body = xml;
  if (options.mode === "safe") {
    if (!options.encodingAESKey) throw new Error("safe mode needs an encodingAESKey");
    const encrypted = encryptMessage(xml, options.appId, options.encodingAESKey);
    query.set("encrypt_type", "aes");
    query.set("msg_signature", wechatSignature([options.token, timestamp, nonce, encrypted]));
    body = `<xml><ToUserName>${cdata(options.to ?? DEFAULT_ORIGINAL_ID)}</ToUserName><Encrypt>${cdata(encrypted)}</Encrypt></xml>`;
  }
  return { query: query.toString(), body, headers: { "content-type": "text/xml" } };
}
