/**
 * JSON text of a value kept for people to look at (a webhook item Tern rejected). JSON.stringify
 * recurses, so an item nested a few thousand levels deep overflows the stack: a signed delivery
 * with one such item answered 500 and lost its good items with it. Anything deeper than
 * `maxDepth` is kept as a marker instead (what matters to the reader is near the top).
 */
export function boundedJson(value: unknown, maxDepth = 64): string {
  return JSON.stringify(bounded(value, maxDepth)) ?? "null";
}

export const TOO_DEEP = "[nested too deeply to keep]";

function bounded(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth === 0) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => bounded(v, depth - 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bounded(v, depth - 1)]));
}
