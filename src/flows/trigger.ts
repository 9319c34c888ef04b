import { foldText, foldWord, LEADING_MARKS } from "../core/fold-text.js";
import { matchesPattern, patternProblem } from "./safe-regex.js";
import type { Flow } from "./schema.js";
import { PATTERN_INPUT_MAX } from "./trigger-schema.js";

/** What the router knows about an inbound message when it looks for a flow to start. */
export interface TriggerCandidate {
  /** The channel type the message arrived on. */
  channel: string;
  text: string;
  /** The contact's tags (none if absent). */
  tags?: readonly string[];
  /** Whether it is the first message of its conversation (absent: not known, so not first). */
  isFirst?: boolean;
}

const patterns = new Map<string, RegExp>();

/**
 * A trigger pattern runs on every routed customer message: on RE2 (safe-regex.ts), in time
 * linear in the text, whatever the pattern. Validation's checks for nested repeats did not catch
 * side-by-side ones (`\w+\s*\w+\s*\w+\s*\?$` took seconds on 400 letters and froze the event
 * loop). Only a pattern RE2 cannot compile (look-around, which patterns stored before this took)
 * still runs on JavaScript's engine, with validation's restrictions.
 */
function patternMatches(pattern: string, text: string): boolean {
  if (patternProblem(pattern) === null) return matchesPattern(pattern, text, true);
  return compiled(pattern).test(text);
}

/** JavaScript's engine, for look-around only: compiled once per pattern. */
function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "iu");
    if (patterns.size > 1_000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}

/**
 * Whether an inbound message on a channel type starts this flow. Keywords match the whole
 * message or its first word(s), case-insensitively ("Hi" matches "hi there", not "this"); a
 * pattern is a regular expression tried on the message's first 1,000 characters. With both,
 * either may match. Trigger tags: the contact must have at least one of them. `on: "first"`:
 * only the conversation's first message.
 */
export function flowMatchesMessage(flow: Pick<Flow, "trigger">, message: TriggerCandidate): boolean {
  const { trigger } = flow;
  if (trigger.type !== "message" || !trigger.channels.includes(message.channel)) return false;
  if (trigger.on === "first" && !message.isFirst) return false;
  if (trigger.tags?.length && !trigger.tags.some((tag) => message.tags?.includes(tag))) return false;
  const hasKeywords = (trigger.keywords?.length ?? 0) > 0;
  if (!hasKeywords && !trigger.pattern) return true;
  const text = foldText(message.text);
  const word = foldWord(message.text);
  const byKeyword = (trigger.keywords ?? []).some((keyword) => {
    const k = foldText(keyword);
    return text === k || word === foldWord(keyword) || startsWithWord(text, k);
  });
  if (byKeyword) return true;
  return trigger.pattern ? patternMatches(trigger.pattern, message.text.slice(0, PATTERN_INPUT_MAX)) : false;
}

/** Whether a flow's trigger is selective (keywords or pattern): it wins over a catch-all. */
export function isSelective(flow: Pick<Flow, "trigger">): boolean {
  const { trigger } = flow;
  return trigger.type === "message" && ((trigger.keywords?.length ?? 0) > 0 || trigger.pattern !== undefined);
}

/**
 * Where a first word ends: a space or a line break, or the punctuation a sentence goes on with
 * ("hi, I need a quote", "你好，我想…", "مرحبا، …"), a closing quote or bracket ("“quote” for 3
 * cars"), not a hyphen or an apostrophe inside a word.
 */
const WORD_END = /^[\s,.!?;:…，。！？、；：؟،؛"”»›」』)\]]/u;

function startsWithWord(text: string, keyword: string): boolean {
  // After what opens it ("¡Hola, …", "“quote” …"); a keyword that itself opens so is taken as written.
  const start = LEADING_MARKS.test(keyword) ? text : text.replace(LEADING_MARKS, "");
  return start.startsWith(keyword) && WORD_END.test(start.slice(keyword.length));
}
