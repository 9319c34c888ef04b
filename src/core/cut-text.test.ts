import { describe, expect, it } from "vitest";
import { cutText } from "./cut-text.js";

describe("cutText", () => {
  it("keeps text that fits as it is", () => {
    expect(cutText("héllo", 5)).toBe("héllo");
    expect(cutText("", 3)).toBe("");
  });

  it("cuts at the end of a whole character as a person sees it, within max UTF-16 units", () => {
    const family = "👨‍👩‍👧‍👦"; // 11 UTF-16 units, one character on screen
    expect(cutText(`ab${family}cd`, 12)).toBe("ab");
    expect(cutText(`ab${family}cd`, 13)).toBe(`ab${family}`);
    expect(cutText("x🇲🇽🇩🇪", 4)).toBe("x"); // half a flag is a boxed letter
    expect(cutText("x🇲🇽🇩🇪", 6)).toBe("x🇲🇽");
    expect(cutText("a👍🏽", 4)).toBe("a"); // a thumb without its skin tone is another emoji
    expect(cutText("Jose\u0301 Pe\u0301rez", 4)).toBe("Jos"); // the accent stays with its e
    expect(cutText("ثَبَتَ", 3)).toBe("ثَ"); // Arabic letters with their vowel marks
    expect(cutText("ภาษาไทย", 3)).toBe("ภาษ");
    expect(cutText("日本語テキスト", 3)).toBe("日本語");
  });

  it("never leaves half of a surrogate pair, even when no whole character fits", () => {
    expect(cutText("😀😀", 3)).toBe("😀");
    expect(cutText("👍🏽", 3)).toBe("👍");
    expect(cutText("😀", 1)).toBe("");
    for (let max = 0; max < 12; max++) {
      const cut = cutText("a👨‍👩‍👧‍👦🇲🇽😀é", max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(
        /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(cut),
        `max ${max}`,
      ).toBe(false);
    }
  });
});
