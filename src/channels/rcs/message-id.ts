import { createHash, randomUUID } from "node:crypto";

/** Tern's namespace for RBM message ids (a random v4, fixed forever: changing it changes every id). */
const NAMESPACE = Buffer.from("3b8f0c6e2d9a4e71b5c4a0f1e2d3c4b5", "hex");

/**
 * The `messageId` of an agent message: a UUID (RFC 9562 version 5) derived from the send's
 * correlation id (its effect key), so every attempt of one send carries the same id and the RBM
 * platform, which "ignores any agent message sent with an ID that was used by an earlier
 * message", delivers it once. A send without a correlation id gets a random UUID.
 */
export function rcsMessageId(correlationId: string | undefined): string {
  if (correlationId === undefined) return randomUUID();
  const bytes = createHash("sha1").update(NAMESPACE).update(correlationId, "utf8").digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
