import { describe, expect, it } from "vitest";
import { asciiDigits, foldKey, foldText, foldWord } from "./fold-text.js";

describe("foldText", () => {
  it("gives one form for a word however the keyboard composed it", () => {
    expect(foldText(" Cafe\u0301 ")).toBe("café");
    expect(foldText("CAFÉ")).toBe(foldText("cafe\u0301"));
    expect(foldText("ＳＴＯＰ")).toBe("stop"); // a CJK keyboard in full-width mode
    expect(foldText("ﾊｲ")).toBe(foldText("ハイ")); // half-width katakana
  });

  it("reads a doubled space as one and a zero-width character as nothing", () => {
    expect(foldText("Maybe  later")).toBe("maybe later");
    expect(foldText("Maybe\u00a0\tlater")).toBe("maybe later");
    expect(foldText("Yes\u200b")).toBe("yes");
    expect(foldText("\ufeffSTOP")).toBe("stop");
    expect(foldWord("Yes!\u200b")).toBe("yes");
  });

  it("drops the punctuation around a word, in any script, but keeps a word that is punctuation", () => {
    expect(foldWord("Stop.")).toBe("stop");
    expect(foldWord("¡Hola!")).toBe("hola");
    expect(foldWord("はい。")).toBe("はい");
    expect(foldWord("نعم؟")).toBe("نعم");
    expect(foldWord('"Quote"')).toBe("quote");
    expect(foldWord("“quote”")).toBe("quote");
    expect(foldWord("'quote'")).toBe("quote");
    expect(foldWord("「はい」")).toBe("はい");
    expect(foldWord('""')).toBe('""');
    expect(foldWord("#")).toBe("#");
    expect(foldWord("?!")).toBe("?!");
    expect(foldWord("stop sending")).toBe("stop sending");
  });
});

describe("foldKey", () => {
  it("keeps only letters, digits and their marks: emoji, punctuation and spaces go", () => {
    expect(foldKey("Yes 👍")).toBe("yes");
    expect(foldKey("¡YES!")).toBe("yes");
    expect(foldKey("❤️ Love")).toBe("love");
    expect(foldKey("Ｎｏ, thanks")).toBe("nothanks");
    expect(foldKey("नहीं")).toBe("नहीं"); // vowel signs are marks, kept
    expect(foldKey("👍")).toBe("");
  });
});

describe("asciiDigits", () => {
  it("reads the digits phones send in other scripts as ASCII digits", () => {
    expect(asciiDigits("١٢")).toBe("12"); // Arabic-Indic
    expect(asciiDigits("۳۴٫۵")).toBe("34٫5"); // Persian digits; the Arabic decimal separator is kept
    expect(asciiDigits("४२")).toBe("42"); // Devanagari
    expect(asciiDigits("১০")).toBe("10"); // Bengali
    expect(asciiDigits("๙")).toBe("9"); // Thai
    expect(asciiDigits("１２３")).toBe("123"); // full-width
    expect(asciiDigits("၁၂")).toBe("12"); // Myanmar
    expect(asciiDigits("១")).toBe("1"); // Khmer
    expect(asciiDigits("௩")).toBe("3"); // Tamil
    expect(asciiDigits("A7 no")).toBe("A7 no");
  });
});
