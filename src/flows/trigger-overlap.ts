import { foldText } from "../core/fold-text.js";
import type { ValidationIssue } from "./issues.js";
import type { Flow } from "./schema.js";

/** Another published flow, as the publish check sees it. */
export interface PublishedFlow {
  id: string;
  name: string;
  flow: Pick<Flow, "trigger">;
}

/**
 * Warnings for other published flows that start on the same messages as `flow`: a channel type in
 * common and a keyword in common, or both catch-alls (no keyword, no pattern) for the same
 * messages. The router takes the flow published last, so the other stops getting those
 * conversations without a word; importing one file twice did exactly that. Patterns are not
 * compared (whether two expressions overlap is not decidable here); tags narrow who matches, so
 * flows with different trigger tags are not reported.
 */
export function triggerOverlapWarnings(
  flow: Pick<Flow, "trigger">,
  others: readonly PublishedFlow[],
): ValidationIssue[] {
  const trigger = flow.trigger;
  if (trigger.type !== "message") return [];
  const keywords = new Set((trigger.keywords ?? []).map(foldText));
  const isCatchAll = keywords.size === 0 && trigger.pattern === undefined;
  const warnings: ValidationIssue[] = [];
  for (const other of others) {
    const theirs = other.flow.trigger;
    if (theirs.type !== "message") continue;
    const channels = trigger.channels.filter((c) => theirs.channels.includes(c));
    if (channels.length === 0 || !sameTags(trigger.tags, theirs.tags)) continue;
    const shared = (theirs.keywords ?? []).map(foldText).filter((k) => keywords.has(k));
    const bothCatchAll =
      isCatchAll &&
      (theirs.keywords?.length ?? 0) === 0 &&
      theirs.pattern === undefined &&
      trigger.on === theirs.on;
    if (shared.length === 0 && !bothCatchAll) continue;
    const what =
      shared.length > 0
        ? `the keyword${shared.length > 1 ? "s" : ""} "${shared.join('", "')}"`
        : "every message";
    warnings.push({
      path: "$.trigger",
      message: `the published flow "${other.name}" (${other.id}) also starts on ${what} on ${channels.join(", ")}: the flow published last takes those conversations, so publishing this one takes them from it (unpublish the one you do not want)`,
    });
  }
  return warnings;
}

function sameTags(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const [x, y] = [[...(a ?? [])].sort(), [...(b ?? [])].sort()];
  return x.length === y.length && x.every((tag, i) => tag === y[i]);
}
