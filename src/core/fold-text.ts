/** Zero-width characters a keyboard or a paste leaves in ("Yes\u200B" is "Yes" to the reader). */
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;

/**
 * What a customer typed, in the form Tern compares: Unicode NFKC (a phone keyboard may send "é" as
 * "e" plus a combining accent, which a keyword written "café" must still match; a Japanese or
 * Chinese keyboard in full-width mode sends "ＳＴＯＰ" for STOP), without zero-width characters,
 * each run of spaces one space ("Maybe  later"), trimmed, lower-case.
 */
export function foldText(text: string): string {
  return text.normalize("NFKC").replace(ZERO_WIDTH, "").replace(/\s+/g, " ").trim().toLowerCase();
}

/** Punctuation people end a one-word message with, in any script ("Stop.", "Hi!", "はい。", "نعم؟"). */
const TRAILING_PUNCTUATION = /[\s\p{P}]+$/u;
/**
 * What opens a word: Spanish's own marks ("¡Hola!"), and quotes and brackets in any script, typed
 * straight or curly ("\"quote\"", "“quote”", "'quote'", «oui», „ja“, 「はい」, "(quote)").
 */
export const LEADING_MARKS = /^[\s¡¿"'\p{Pi}\p{Pf}\p{Ps}]+/u;

/**
 * `foldText` without the punctuation around a word: "STOP.", "¡Hola!" and "“quote”" read as STOP,
 * hola and quote.
 * Compared only after an exact `foldText` match failed, so a keyword or title that is itself
 * punctuation ("?", "C#") still matches as written; a text of punctuation alone stays as it is.
 */
export function foldWord(text: string): string {
  const folded = foldText(text);
  const bare = folded.replace(TRAILING_PUNCTUATION, "").replace(LEADING_MARKS, "");
  return bare.length > 0 ? bare : folded;
}

/** Variation selectors: an emoji's presentation ("❤️" is "❤" + U+FE0F), marks that are no letter. */
const VARIATION_SELECTORS = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;

/**
 * `foldText` with only its letters, digits and the marks that belong to letters (Devanagari or
 * Thai vowel signs): "Yes 👍", "yes!" and "YES" are all "yes". For a last, loosest comparison;
 * a text of no letter or digit folds to "".
 */
export function foldKey(text: string): string {
  return foldText(text)
    .replace(VARIATION_SELECTORS, "")
    .replace(/[^\p{L}\p{N}\p{M}]/gu, "");
}

/**
 * The zero of each run of ten decimal digits people type numbers in besides ASCII: Arabic-Indic,
 * Extended Arabic-Indic (Persian, Urdu), Devanagari, Bengali, Gurmukhi, Gujarati, Odia, Tamil,
 * Telugu, Kannada, Malayalam, Thai, Lao, Tibetan, Myanmar, Khmer, Mongolian, and full-width (CJK
 * keyboards). Written by hand: JavaScript has no digit-value lookup, and these are what phones
 * send (a Burmese or Khmer keyboard types its own digits by default).
 */
const DIGIT_ZEROS = [
  0x0660, 0x06f0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66, 0x0e50, 0x0ed0,
  0x0f20, 0x1040, 0x17e0, 0x1810, 0xff10,
];

/** `text` with those digits as ASCII digits ("١٢" → "12"); everything else unchanged. */
export function asciiDigits(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    const zero = DIGIT_ZEROS.find((z) => code >= z && code <= z + 9);
    out += zero === undefined ? ch : String(code - zero);
  }
  return out;
}
