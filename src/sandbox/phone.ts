import { createHash } from "node:crypto";

/**
 * A phone in E.164 for a simulated customer of a phone-number channel (Bird, RCS, Twilio, Vonage): the id as is
 * when it is one, `+` and the digits when it is only digits, else a stable `+1555…` number.
 */
export function phoneOf(from: string): string {
  if (/^\+[1-9]\d{6,14}$/.test(from)) return from;
  if (/^[1-9]\d{6,14}$/.test(from)) return `+${from}`;
  const hash = createHash("sha256").update(from).digest();
  return `+1555${String(hash.readUInt32BE(0) % 10_000_000).padStart(7, "0")}`;
}
