import { parse as parseLossless } from "lossless-json";

/**
 * JSON.parse, except that an integer beyond Number.MAX_SAFE_INTEGER stays its exact decimal
 * string. Viber's `message_token` is an int64 (e.g. 5491478493491459001) that a plain JSON.parse
 * rounds to another number, which would break deduplication and status matching; Viber's own SDK
 * parses with json-bigint for the same reason (viber-bot-node). lossless-json reads the number
 * text itself, so no precision is lost on the way. Throws like JSON.parse on malformed input.
 */
export function parseJsonLossless(text: string): unknown {
  return parseLossless(text, null, (value: string) => {
    const number = Number(value);
    return /^-?\d+$/.test(value) && !Number.isSafeInteger(number) ? value : number;
  });
}

/** A message token as its exact decimal string, whichever form it was read in. */
export function tokenString(value: string | number): string {
  return typeof value === "number" ? String(value) : value;
}
