import type { Flow } from "./schema.js";

/**
 * Whether an inbound message on a channel type starts this flow. Keywords match the whole
 * message or its first word(s), case-insensitively ("Hi" matches "hi there", not "this").
 * Trigger tags: the contact must have at least one of them (`tags`: the contact's, none if absent).
 */
export function flowMatchesMessage(
  flow: Pick<Flow, "trigger">,
  message: { channel: string; text: string; tags?: readonly string[] },
): boolean {
  const { trigger } = flow;
  if (trigger.type !== "message" || !trigger.channels.includes(message.channel)) return false;
  if (trigger.tags?.length && !trigger.tags.some((tag) => message.tags?.includes(tag))) return false;
  if (!trigger.keywords || trigger.keywords.length === 0) return true;
  const text = message.text.trim().toLowerCase();
  return trigger.keywords.some((keyword) => {
    const k = keyword.trim().toLowerCase();
    return text === k || text.startsWith(`${k} `);
  });
}
