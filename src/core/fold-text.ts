/**
 * What a customer typed, in the form Tern compares: Unicode NFC (a phone keyboard may send "é" as
 * "e" plus a combining accent, which a keyword written "café" must still match), trimmed, lower-case.
 */
export function foldText(text: string): string {
  return text.normalize("NFC").trim().toLowerCase();
}

/**
 * The zero of each run of ten decimal digits people type numbers in besides ASCII: Arabic-Indic,
 * Extended Arabic-Indic (Persian, Urdu), Devanagari, Bengali, Thai, and full-width (CJK keyboards).
 * Written by hand: JavaScript has no digit-value lookup, and these are what phones send.
 */
const DIGIT_ZEROS = [0x0660, 0x06f0, 0x0966, 0x09e6, 0x0e50, 0xff10];

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
