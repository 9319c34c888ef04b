import { parsePhoneNumberFromString } from "libphonenumber-js";
import { asciiDigits, foldKey, foldText, foldWord } from "../../core/fold-text.js";
import type { Choice } from "../fields.js";
import type { MessageView } from "../runtime.js";

/** Pure parsing of a customer's answer to an `ask` step. */

export type Expect = "text" | "number" | "email" | "phone" | "choice";

export type Answer = { ok: true; value: unknown; choice?: Choice } | { ok: false };

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function parseAnswer(
  expect: Expect,
  message: MessageView,
  options: { choices?: Choice[]; contactPhone?: string | null },
): Answer {
  const text = message.text.trim();
  switch (expect) {
    case "text":
      return text ? { ok: true, value: text } : { ok: false };
    case "number":
      return parseNumber(text);
    case "email": {
      const email = text.toLowerCase();
      return email.length <= 254 && EMAIL.test(email) ? { ok: true, value: email } : { ok: false };
    }
    case "phone":
      return parsePhone(text, options.contactPhone ?? null);
    case "choice":
      return matchChoice(message, options.choices ?? []);
  }
}

/**
 * Accepts "42", "-3.5", "3,5" (decimal comma) and "1,234.5" / "1 234" (grouped thousands), in
 * the digits and separators an Arabic or Persian keyboard types too ("٣٤٫٥", "١٬٢٣٤").
 */
function parseNumber(text: string): Answer {
  // Two lines are two answers, not one number: a burst joins "4" and "2" as "4\n2", never 42.
  if (/[\n\r\u2028\u2029]/.test(text)) return { ok: false };
  let s = asciiDigits(text)
    .replace(/[\s\u00a0\u202f]/g, "")
    .replace(/\u066b/g, ".") // ARABIC DECIMAL SEPARATOR
    .replace(/\u066c/g, ",") // ARABIC THOUSANDS SEPARATOR
    .replace(/\u2212/g, "-"); // MINUS SIGN
  // A grouped number never starts with 0: "0,500" is a decimal comma (0.5), not 500.
  if (/^[-+]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, "");
  else if (/^[-+]?\d+,\d+$/.test(s)) s = s.replace(",", ".");
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return { ok: false };
  // Past 15 significant digits a double is no longer the number typed ("99999999999999999999"
  // became 1e20): an account or card number belongs in a text answer.
  if (s.replace(/[-+.]/g, "").replace(/^0+|0+$/g, "").length > 15) return { ok: false };
  const value = Number(s);
  return Number.isFinite(value) ? { ok: true, value } : { ok: false };
}

/**
 * Numbers written without +CC take the contact's own country (or calling code, when the
 * contact's number is not in libphonenumber's metadata as a valid number).
 */
function parsePhone(text: string, contactPhone: string | null): Answer {
  if (text.length > 64) return { ok: false };
  const own = contactPhone ? parsePhoneNumberFromString(contactPhone) : undefined;
  const defaults = own?.country
    ? { defaultCountry: own.country }
    : own
      ? { defaultCallingCode: own.countryCallingCode }
      : undefined;
  const phone = parsePhoneNumberFromString(text, defaults);
  return phone?.isValid() ? { ok: true, value: phone.number } : { ok: false };
}

/**
 * Matches a tapped button by its position when the channel names it so, else by id, else the text
 * by 1-based number, id or title (case-insensitive, then ignoring punctuation and emoji).
 */
function matchChoice(message: MessageView, choices: Choice[]): Answer {
  const tap = message.choice;
  const found =
    tap?.index !== undefined
      ? byPosition(tap.index, tap, choices)
      : (tap && choices.find((c) => c.id === tap.id)) || findByText(message.text.trim(), choices);
  return found ? { ok: true, value: found.id, choice: found } : { ok: false };
}

/**
 * A button tapped by position (Telegram `#n`): the choice there, whatever the ids look like (an id
 * "#2" or "2" must not take the tap of the second button). A tap whose title is not the one at that
 * position (an older keyboard) is taken by its title.
 */
function byPosition(index: number, tap: Choice, choices: Choice[]): Choice | undefined {
  const at = choices[index - 1];
  if (at && (at.title === tap.title || tap.title === tap.id)) return at;
  return choices.find((c) => c.title === tap.title);
}

function findByText(text: string, choices: Choice[]): Choice | undefined {
  // A number is the position the customer was shown ("1. Red" on a channel without buttons),
  // before any id: with ids "2" and "1" listed in that order, typing 1 took the second choice.
  const digits = asciiDigits(text);
  if (/^\d{1,3}\.?$/.test(digits)) {
    const at = choices[Number.parseInt(digits, 10) - 1];
    if (at) return at;
  }
  const byId = choices.find((c) => c.id === text);
  if (byId) return byId;
  // Then ever looser: id or title case-insensitively ("Yes" for the id "yes"), the text without
  // the punctuation around it ("Yes!", "はい。"; before the loosest, so "c." is "C", not "C#"),
  // then letters and digits only ("yes" for "Yes 👍"). The first comparison that matches decides;
  // two choices matching it (titles that render alike) is no answer: the customer types the number.
  const folded = foldText(text);
  const word = foldWord(text);
  const key = foldKey(text);
  const tiers: Array<(c: Choice) => boolean> = [
    (c) => foldText(c.id) === folded || foldText(c.title) === folded,
    (c) => foldText(c.id) === word || foldText(c.title) === word,
    (c) => key !== "" && (foldKey(c.id) === key || foldKey(c.title) === key),
  ];
  for (const matches of tiers) {
    const found = choices.filter(matches);
    if (found.length > 0) return found.length === 1 ? found[0] : undefined;
  }
  return undefined;
}

export function defaultRetryText(expect: Expect): string {
  switch (expect) {
    case "text":
      return "Sorry, I need a text answer. Could you type it, please?";
    case "number":
      return "Please answer with a number, for example 42.";
    case "email":
      return "That doesn't look like an email address. Please send it like name@example.com.";
    case "phone":
      return "That doesn't look like a phone number. Please send it with the country code, like +44 20 7946 0958.";
    case "choice":
      // The retry goes out with the choices again (buttons, or numbered lines where a channel has
      // none): listing them here too printed them twice on SMS, an extra segment.
      return "Please choose one of the options.";
  }
}
