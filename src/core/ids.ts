import { randomBytes } from "node:crypto";

/** Sortable, URL-safe ids: a prefix naming the kind, time, randomness ("run_01J…"). */
export function newId(prefix: string, now = Date.now()): string {
  const time = now.toString(36).padStart(9, "0");
  return `${prefix}_${time}${randomBytes(8).toString("base64url")}`;
}
