import { HoldUntil } from "../../src/queue/burst.js";

/** When a conversation's messages are held until (`HoldUntil.at`), or null when they were taken. */
export async function heldUntil(p: Promise<unknown>): Promise<number | null> {
  try {
    await p;
  } catch (error) {
    if (error instanceof HoldUntil) return error.at;
    throw error;
  }
  return null;
}
