import { randomInt } from "node:crypto";

/**
 * Salesforce record ids: 15 case-sensitive base-62 chars, or 18 case-insensitive chars
 * (15 + a 3-char checksum). The first 3 chars are the object's key prefix.
 * Checksum rule: https://help.salesforce.com/s/articleView?id=000385203 (see reference/salesforce.md §4.3).
 */
const CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID15 = /^[0-9A-Za-z]{15}$/;
const ID18 = /^[0-9A-Za-z]{18}$/;

/** Adds the 3-char checksum to a 15-char id. */
export function toCaseSafeId(id15: string): string {
  if (!ID15.test(id15)) throw new Error(`Not a 15-character Salesforce id: ${id15}`);
  let suffix = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let j = 0; j < 5; j++) {
      const char = id15.charAt(chunk * 5 + j);
      if (char >= "A" && char <= "Z") bits |= 1 << j;
    }
    suffix += CHECKSUM_ALPHABET.charAt(bits);
  }
  return id15 + suffix;
}

/**
 * Returns the canonical 18-char id for a 15- or 18-char id, or null when it isn't one.
 * An 18-char id is case-insensitive: its checksum restores the case of the first 15.
 */
export function canonicalId(id: string): string | null {
  if (ID15.test(id)) return toCaseSafeId(id);
  if (!ID18.test(id)) return null;
  const checksum = id.slice(15).toUpperCase();
  let restored = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = CHECKSUM_ALPHABET.indexOf(checksum.charAt(chunk));
    if (bits < 0) return null;
    for (let j = 0; j < 5; j++) {
      const char = id.charAt(chunk * 5 + j);
      restored += bits & (1 << j) ? char.toUpperCase() : char.toLowerCase();
    }
  }
  const canonical = toCaseSafeId(restored);
  return canonical.toUpperCase() === id.toUpperCase() ? canonical : null;
}

/**
 * Makes unique 18-char ids per key prefix. Real chars 4–5 encode the pod; any alphanumerics
 * are valid there. The counter starts at a random offset so ids differ between emulator runs.
 */
export function createIdFactory(): (prefix: string) => string {
  let counter = randomInt(62 ** 4, 62 ** 6);
  return (prefix) => {
    counter += 1 + randomInt(0, 62);
    let body = "";
    let n = counter;
    for (let i = 0; i < 10; i++) {
      body = BASE62.charAt(n % 62) + body;
      n = Math.floor(n / 62);
    }
    return toCaseSafeId(`${prefix}${"Dn"}${body}`);
  };
}
