import { RE2JS } from "re2js";

/**
 * Regular expressions a flow author wrote (`matches` in branch conditions), run on text a
 * customer wrote. RE2 (re2js, a port of Google's RE2) matches in time linear in the text, so no
 * pattern can hang the worker the way a backtracking engine can ("(a+)+$" on "aaaa…b"). Its
 * syntax has no look-around and no back-references. https://github.com/google/re2/wiki/Syntax
 */

export const MAX_PATTERN_LENGTH = 500;
/** Text beyond this many characters is not searched. */
export const MAX_SUBJECT_LENGTH = 100_000;
const CACHE_SIZE = 1_000;

type Compiled = ReturnType<typeof RE2JS.compile>;
const cache = new Map<string, Compiled>();

/** Why the pattern cannot be used, or null when it compiles. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `a pattern is at most ${MAX_PATTERN_LENGTH} characters`;
  try {
    compiled(pattern, false);
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `invalid pattern (RE2 syntax: no look-around or back-references): ${reason}`;
  }
}

/** Whether the pattern matches anywhere in the text (use ^ and $ to match the whole). */
export function matchesPattern(pattern: string, text: string, ignoreCase: boolean): boolean {
  if (pattern.length > MAX_PATTERN_LENGTH) return false;
  try {
    return compiled(pattern, ignoreCase).matcher(text.slice(0, MAX_SUBJECT_LENGTH)).find();
  } catch {
    return false; // validation reports bad patterns; a flow that skipped it simply does not match
  }
}

/** Compiled once per pattern and flags (a bounded cache shared by every flow). */
function compiled(pattern: string, ignoreCase: boolean): Compiled {
  const key = `${ignoreCase ? "i" : "-"}${pattern}`;
  let regex = cache.get(key);
  if (!regex) {
    regex = RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, regex);
  }
  return regex;
}
