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

/** Sortable, URL-safe ids: a prefix naming the kind, time, randomness ("run_0mwwpb1l…"). */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, "0")}${randomPart()}`;
}
