import { AppError } from "../../core/app-error.js";
import type { HandshakeResult, WebhookRequest } from "../channel.js";
import type { WeChatConfig } from "./config.js";
import { signatureMatches, wechatSignature } from "./crypto.js";
import { readDeliveryXml } from "./xml.js";

function invalid(message: string): AppError {
  return new AppError("CHANNEL_SIGNATURE_INVALID", message);
}

/** Safe and compatible mode add `encrypt_type=aes` and `msg_signature` to the query. */
export function isSafeMode(req: WebhookRequest): boolean {
  return req.query.encrypt_type === "aes";
}

/**
 * The server-URL check when the URL is saved in the console: `GET ?signature=&timestamp=&nonce=&echostr=`
 * with signature = SHA-1 of the sorted [token, timestamp, nonce]; answer `echostr` verbatim.
 * https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html
 */
export function handshake(req: WebhookRequest, config: WeChatConfig): HandshakeResult | null {
  if (req.method !== "GET") return null;
  const { signature, timestamp, nonce, echostr } = req.query;
  if (signature === undefined || timestamp === undefined || nonce === undefined || echostr === undefined) {
    return null;
  }
  if (!signatureMatches(signature, wechatSignature([config.token, timestamp, nonce]))) {
    throw new AppError(
      "CHANNEL_VERIFY_TOKEN_INVALID",
      "The signature WeChat sent does not match this channel's token. Enter the same Token in the Official Account Platform (Basic configuration → Server configuration) and in the channel settings.",
    );
  }
  return { status: 200, body: echostr, contentType: "text/plain; charset=utf-8" };
}

/**
 * Plain mode: `signature` over [token, timestamp, nonce] — the body itself is not signed, so a
 * captured query could be replayed with another body; safe mode closes that. Safe mode:
 * `msg_signature` over [token, timestamp, nonce, Encrypt]. A channel with an EncodingAESKey
 * refuses plain deliveries, and one without it cannot check a safe-mode delivery.
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
 */
export function verify(req: WebhookRequest, config: WeChatConfig): void {
  const { timestamp, nonce } = req.query;
  if (timestamp === undefined || nonce === undefined) {
    throw invalid("Missing timestamp or nonce in the query string: this request did not come from WeChat.");
  }
  if (isSafeMode(req)) {
    if (config.encodingAESKey === undefined) {
      throw invalid(
        "WeChat sent a safe-mode (encrypted) delivery but this channel has no encodingAESKey. Copy the EncodingAESKey from Server configuration into the channel settings.",
      );
    }
    const signature = req.query.msg_signature;
    if (signature === undefined || signature === "") {
      throw invalid("Missing msg_signature in a safe-mode delivery: this request did not come from WeChat.");
    }
    const encrypted = readDeliveryXml(req.rawBody)?.Encrypt;
    if (typeof encrypted !== "string" || encrypted === "") {
      throw invalid("A safe-mode delivery without a readable <Encrypt> element cannot be authenticated.");
    }
    if (!signatureMatches(signature, wechatSignature([config.token, timestamp, nonce, encrypted]))) {
      throw invalid(
        "msg_signature does not match. Check that the channel's token is the Token under Server configuration of this Official Account.",
      );
    }
    return;
  }
  if (config.encodingAESKey !== undefined) {
    throw invalid(
      "This channel is set up for safe mode (it has an encodingAESKey) but the delivery is plain. Set the message encryption mode to safe in Server configuration, or remove encodingAESKey from the channel.",
    );
  }
  const signature = req.query.signature;
  if (signature === undefined || signature === "") {
    throw invalid("Missing signature in the query string: this request did not come from WeChat.");
  }
  if (!signatureMatches(signature, wechatSignature([config.token, timestamp, nonce]))) {
    throw invalid(
      "signature does not match. Check that the channel's token is the Token under Server configuration of this Official Account.",
    );
  }
}
