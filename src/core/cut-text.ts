/**
 * `text` cut to at most `max` UTF-16 units at the end of a whole character as a person sees it
 * (a grapheme cluster): a flag, a family emoji joined by ZWJ, a letter with its accents or a skin
 * tone stay whole or go whole. A cut by units alone left half of "🇲🇽" (a lone regional
 * indicator, drawn as a boxed letter) or "👨‍👩" of a family of four. When not even the first
 * cluster fits, the cut falls back to whole code points (never half a surrogate pair).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  // A boundary is decided by the code points on both sides of it, so one past `max` is enough.
  const window = text.slice(0, max + 2);
  let end = 0;
  for (const { index, segment } of graphemes().segment(window)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  if (end > 0) return text.slice(0, end);
  return /[\uD800-\uDBFF]/.test(text[max - 1] ?? "") ? text.slice(0, max - 1) : text.slice(0, max);
}

// Made when first needed: a segmenter loads ICU's break-iterator data, which most processes never use.
let segmenter: Intl.Segmenter | undefined;
function graphemes(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter("en", { granularity: "grapheme" });
  return segmenter;
}
