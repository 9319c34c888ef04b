import { AppError } from "./app-error.js";

/**
 * HTTP conditional requests (RFC 9110 §13): the admin API's resources carry an `ETag`, and an
 * edit may send it back in `If-Match` so it is refused (412) when someone saved since it was
 * read, instead of silently replacing their work. If-Match stays optional: scripts and the CLI
 * work as before. https://www.rfc-editor.org/rfc/rfc9110#section-13.1.1
 */

/** `*` (any current representation) or the listed entity-tags, quotes included. */
export type IfMatch = { any: true } | { any: false; tags: string[] };

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3).
// A tag may hold a comma, so the list is matched as a whole, not split on commas; a list
// (`#entity-tag`) may hold empty elements (`"a", , "b"`): RFC 9110 §5.6.1.2.
const TAG = String.raw`(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"`;
const TAG_LIST = new RegExp(String.raw`^[\s,]*${TAG}(?:\s*,[\s,]*${TAG})*[\s,]*$`);
const TAGS = new RegExp(TAG, "g");

/** The If-Match value's syntax, said the same way by the route schemas and the parser. */
export const IF_MATCH_SYNTAX = 'must be * or a list of quoted entity-tags, e.g. "v7" (ETag of a GET)';

/** The If-Match header parsed; undefined when absent. A malformed one is a 400, never a guess. */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "*") return { any: true };
  if (!TAG_LIST.test(value))
    throw new AppError("BAD_REQUEST", `Invalid If-Match header: ${IF_MATCH_SYNTAX}.`, {
      details: { in: "headers", path: "$['if-match']" },
    });
  return { any: false, tags: value.match(TAGS) ?? [] };
}

/** Whether the header is well formed (route schemas). */
export function isIfMatch(header: string): boolean {
  try {
    parseIfMatch(header);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the condition holds for the resource's current tag (null: it does not exist). Strong
 * comparison (§8.8.3.2): a weak tag never matches, so `W/"v7"` cannot overwrite version 7.
 */
export function ifMatchHolds(condition: IfMatch, current: string | null): boolean {
  if (current === null) return false;
  return condition.any || condition.tags.includes(current);
}

/**
 * The weak form of the current tag, when the condition failed only because it was given weak
 * (`W/"v7"` for `"v7"`): nothing changed since, so the 412 must say so rather than "changed since".
 */
export function weakOnlyTag(condition: IfMatch, current: string | null): string | undefined {
  if (condition.any || current === null) return undefined;
  return condition.tags.find((tag) => tag === `W/${current}`);
}

/** What a 412 says of a weak tag (`weakOnlyTag`). */
export const weakTagRefused = (weak: string, current: string): string =>
  `If-Match: ${weak} is a weak entity-tag, and If-Match compares strongly (RFC 9110 §13.1.1), so it never matches, though nothing was changed since. Nothing was changed. Send If-Match: ${current}, the ETag exactly as the GET answered it.`;

/** A strong entity-tag from its opaque part: `"v7"`. */
export const entityTag = (opaque: string): string => `"${opaque}"`;
