import type { ChoiceLimits } from "./channel.js";

/** Characters as the providers count them: code points, so an emoji is one. */
const chars = (value: string): number => [...value].length;

/**
 * Why these choices cannot go out as one kind of interactive message (buttons, a list) under the
 * channel's limits, or null when they can. One decision for the adapter that sends them and for
 * `tern flows validate`, which warns from the same numbers. `text` undefined: not known yet (a
 * templated text is measured only once rendered).
 */
export function choiceMisfit(
  limit: ChoiceLimits | undefined,
  choices: ReadonlyArray<{ id: string; title: string }>,
  text: string | undefined,
): ChoiceMisfit | null {
  if (limit === undefined) return { kind: "none" };
  const length = limit.length ?? chars;
  if (choices.length === 0 || choices.length > limit.max) return { kind: "size" };
  if (choices.some((c) => c.title.trim().length === 0 || length(c.title) > limit.titleMax))
    return { kind: "size" };
  if (choices.some((c) => c.id.length === 0)) return { kind: "reason", reason: "a choice has no id" };
  const idMax = limit.idMax;
  if (idMax !== undefined && choices.some((c) => length(c.id) > idMax))
    return { kind: "reason", reason: `a choice id is longer than ${idMax} characters` };
  if (new Set(choices.map((c) => c.id)).size < choices.length)
    return { kind: "reason", reason: "two choices have the same id" };
  if (text !== undefined && text.trim().length === 0)
    return { kind: "reason", reason: "buttons and lists need a text to come with" };
  if (limit.textMax !== undefined && text !== undefined && chars(text) > limit.textMax)
    return {
      kind: "reason",
      reason: `the text (${chars(text)} characters) is longer than the ${limit.textMax} buttons or a list may come with`,
    };
  if (limit.uniqueTitles && new Set(choices.map((c) => c.title)).size < choices.length)
    return { kind: "reason", reason: "two choices have the same title" };
  return null;
}

/** none: the channel has no such kind; size: too many choices or a title too long; else a reason. */
export type ChoiceMisfit = { kind: "none" } | { kind: "size" } | { kind: "reason"; reason: string };
