import { parsePhoneNumberFromString } from "libphonenumber-js";

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A phone number in E.164 (libphonenumber-js), or null when `raw` cannot be one. Channels hand
 * over numbers as they carry them ("+44 7911 123456", "447911123456"); contacts are matched
 * across channels by this form, so it must be the same whatever the channel wrote. A number
 * libphonenumber only finds "possible" (its metadata lags new ranges) still counts: refusing it
 * would split one person into two contacts.
 */
export function toE164(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  if (trimmed.length === 0 || trimmed.length > 32) return null;
  const withPlus = trimmed.startsWith("+") ? trimmed : `+${trimmed.replace(/^00/, "")}`;
  const parsed = parsePhoneNumberFromString(withPlus);
  if (parsed?.isPossible()) return parsed.number;
  const digits = `+${withPlus.replace(/\D/g, "")}`;
  return E164.test(digits) ? digits : null;
}
