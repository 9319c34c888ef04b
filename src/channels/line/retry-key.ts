import { createHash } from "node:crypto";

/** Tern's namespace for name-based UUIDs (a random v4, fixed forever: changing it changes every key). */
const TERN_NAMESPACE = Buffer.from("6f1d2c0e4b7a4f3e9c5d8a1b2e3f4a5b", "hex");

/**
 * The `X-Line-Retry-Key` for a send: a UUID (RFC 9562 version 5, SHA-1 over namespace + name)
 * derived from the effect key, so every attempt of one send — also after a crash or a timeout —
 * carries the same key and LINE executes it once (a repeat answers 409).
 * https://developers.line.biz/en/docs/messaging-api/retrying-api-request/
 * Hand-written: eight lines of node:crypto do not justify the `uuid` package.
 */
export function lineRetryKey(correlationId: string): string {
  const hash = createHash("sha1").update(TERN_NAMESPACE).update(correlationId, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
