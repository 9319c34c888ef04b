import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * WeChat's callback signatures and safe-mode (安全模式) message encryption.
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
 * (and the 接入指南 for the plain `signature`). Hand-written with node:crypto: the npm packages
 * for it are unmaintained (`wechat-crypto` 0.0.2, 2015) and the whole scheme is SHA-1 + AES-CBC.
 */

/** SHA-1 hex of the lexicographically sorted parts joined: `signature` (token, timestamp, nonce) and `msg_signature` (+ Encrypt). */
export function wechatSignature(parts: ReadonlyArray<string>): string {
  return createHash("sha1")
    .update([...parts].sort().join(""))
    .digest("hex");
}

/** Constant-time comparison of two hex signatures over their bytes. */
export function signatureMatches(received: string, expected: string): boolean {
  if (!/^[0-9a-fA-F]{40}$/.test(received)) return false;
  const a = Buffer.from(received.toLowerCase(), "hex");
  const b = Buffer.from(expected, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** AESKey = base64decode(EncodingAESKey + "="): 43 characters → 32 bytes. */
export function aesKeyOf(encodingAESKey: string): Buffer {
  const key = Buffer.from(`${encodingAESKey}=`, "base64");
  if (key.length !== 32) throw new Error("EncodingAESKey must decode to 32 bytes");
  return key;
}

/** WeChat pads with PKCS#7 to a multiple of 32 bytes (not AES's 16). */
const BLOCK = 32;

export class WeChatDecryptError extends Error {}

/**
 * Decrypts an `Encrypt` value: AES-256-CBC, IV = first 16 bytes of the key, plaintext
 * `random(16) ‖ length(4, big-endian) ‖ xml ‖ appId`. Throws WeChatDecryptError on anything off.
 */
export function decryptMessage(encrypted: string, encodingAESKey: string): { xml: string; appId: string } {
  const key = aesKeyOf(encodingAESKey);
  const data = Buffer.from(encrypted, "base64");
  if (data.length === 0 || data.length % 16 !== 0) throw new WeChatDecryptError("ciphertext length");
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new WeChatDecryptError("AES");
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || pad > plain.length) throw new WeChatDecryptError("padding");
  const content = plain.subarray(0, plain.length - pad);
  if (content.length < 20) throw new WeChatDecryptError("too short");
  const length = content.readUInt32BE(16);
  if (20 + length > content.length) throw new WeChatDecryptError("length");
  return {
    xml: content.subarray(20, 20 + length).toString("utf8"),
    appId: content.subarray(20 + length).toString("utf8"),
  };
}

/** The inverse of decryptMessage (the simulator posts safe-mode deliveries with it). */
export function encryptMessage(
  xml: string,
  appId: string,
  encodingAESKey: string,
  random: Buffer = randomBytes(16),
): string {
  const key = aesKeyOf(encodingAESKey);
  const body = Buffer.from(xml, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const content = Buffer.concat([random, length, body, Buffer.from(appId, "utf8")]);
  const pad = BLOCK - (content.length % BLOCK);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([content, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString("base64");
}
