import { randomFillSync } from "node:crypto";

// Random bytes are drawn in blocks: one syscall-backed fill per 512 ids instead of one per id.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomPart(): string {
  if (offset + 8 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const part = pool.toString("base64url", offset, offset + 8);
  offset += 8;
  return part;
}

// Ids made in the same millisecond by this process carry a count after the time, so they sort in
// the order they were made: a conversation's messages sort by time, then id, and an answer and the
// reply to it are often written in the same millisecond (the transcript sent to Salesforce).
let lastMs = -1;
let sameMs = 0;
const MAX_SAME_MS = 36 * 36 - 1;

/** Sortable, URL-safe ids: a prefix naming the kind, time, order within the ms, randomness ("run_0mwwpb1l…"). */
export function newId(prefix: string, now = Date.now()): string {
  if (now !== lastMs) {
    lastMs = now;
    sameMs = 0;
  } else if (sameMs < MAX_SAME_MS) sameMs += 1;
  return `${prefix}_${now.toString(36).padStart(9, "0")}${sameMs.toString(36).padStart(2, "0")}${randomPart().slice(2)}`;
}
