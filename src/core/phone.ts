import { type PhoneNumber, parsePhoneNumberFromString } from "libphonenumber-js";

const E164 = /^\+[1-9]\d{6,14}$/;

/** Numbers parsed lately: a conversation's number is parsed with each of its messages. */
const recent = new Map<string, string | null>();
const RECENT_MAX = 1_000;

/**
 * libphonenumber's E.164 for `text` when it finds the number possible, else null; remembered for
 * the last 1,000 texts (a parse costs ~40 µs, a tenth of a message's contact upsert).
 */
export function possibleE164(text: string): string | null {
  const known = recent.get(text);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(text);
  const number = parsed?.isPossible() ? (brazilianMobile(parsed) ?? parsed.number) : mexicanMobile(parsed);
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value as string);
  recent.set(text, number);
  return number;
}

/**
 * A Mexican mobile written with the "1" Mexico dropped in 2019 (+52 1 55 1234 5678): WhatsApp
 * still names Mexican mobiles so (wa_id 5215512345678), while SMS and the person's own answer
 * give +52 55 1234 5678. Read as the ten-digit number, so both are one contact and Salesforce
 * gets the number that is dialled today.
 */
function mexicanMobile(parsed: PhoneNumber | undefined): string | null {
  if (parsed?.countryCallingCode !== "52" || !/^1\d{10}$/.test(parsed.nationalNumber)) return null;
  const ten = parsePhoneNumberFromString(`+52${parsed.nationalNumber.slice(1)}`);
  return ten?.isPossible() ? ten.number : null;
}

/** A Brazilian national number as mobiles were before the ninth digit: area code, then 6-9 and 7 digits. */
const BR_OLD_MOBILE = /^(\d\d)([6-9]\d{7})$/;

/**
 * A Brazilian mobile written with the 8 digits it had before the ninth digit (2012-2016; mobiles
 * began with 6-9, landlines with 2-5): WhatsApp still names accounts registered before so (wa_id
 * 551187654321). Read as the 9-digit number dialled today (+55 11 98765 4321), what SMS and the
 * person give and what Salesforce should get. Null when `parsed` is not one.
 */
function brazilianMobile(parsed: PhoneNumber): string | null {
  if (parsed.countryCallingCode !== "55") return null;
  const old = BR_OLD_MOBILE.exec(parsed.nationalNumber);
  return old ? `+55${old[1]}9${old[2]}` : null;
}

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
  const possible = possibleE164(withPlus);
  if (possible !== null) return possible;
  const digits = `+${withPlus.replace(/\D/g, "")}`;
  return E164.test(digits) ? digits : null;
}

/**
 * A number as a chat app's contact card carries it (Telegram's and Viber's `phone_number`: "+972
 * 50-123-4567", "972501234567"), in E.164 when it is digits with a country code; else undefined.
 * Only spaces, dots, dashes and brackets are dropped: anything else is not a phone number.
 */
export function digitsToE164(value: string): string | undefined {
  const digits = value.replace(/[\s().-]/g, "").replace(/^\+/, "");
  return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : undefined;
}

/**
 * The addresses a phone channel may key this person by (`+52…` or `52…`; WhatsApp's `521…` for a
 * Mexican mobile, see mexicanMobile; a Brazilian mobile with or without its ninth digit, see
 * samePersonPhones): an erasure by number finds their waiting messages on any.
 */
export function phoneAddresses(e164: string): string[] {
  return samePersonPhones(e164).flatMap((phone) => {
    const digits = phone.replace(/^\+/, "");
    const mexican = /^52\d{10}$/.test(digits) ? [`+521${digits.slice(2)}`, `521${digits.slice(2)}`] : [];
    return [phone, digits, ...mexican];
  });
}

/**
 * The E.164 forms one person's mobile may be stored under. Brazil put a 9 before every 8-digit
 * mobile number (those began with 6-9) in 2012-2016, and WhatsApp still names accounts registered
 * before by the old 8 digits (wa_id 55 11 8765 4321), while the person and a CRM write
 * +55 11 98765 4321: both forms are one person. Others: the number itself (Mexico's old "1" is
 * already dropped when parsed, see mexicanMobile).
 */
export function samePersonPhones(e164: string): string[] {
  const withNine = /^\+55(\d\d)9([6-9]\d{7})$/.exec(e164);
  if (withNine) return [e164, `+55${withNine[1]}${withNine[2]}`];
  const withoutNine = e164.startsWith("+55") ? BR_OLD_MOBILE.exec(e164.slice(3)) : null;
  if (withoutNine) return [e164, `+55${withoutNine[1]}9${withoutNine[2]}`];
  return [e164];
}
