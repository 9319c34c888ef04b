/**
 * Whether a request target's query string is valid percent-encoding: every `%` followed by two
 * hex digits, and the bytes they make valid UTF-8. The router decodes only the path (a bad one is
 * a 400 in framework-errors.ts); a bad query value was read literally (`?flowId=%ZZ` listed runs
 * of a flow named "%ZZ" with 200), so the query gets the same check on every route.
 */
export function isQueryWellEncoded(target: string): boolean {
  const at = target.indexOf("?");
  if (at === -1) return true;
  const query = target.slice(at + 1);
  if (!query.includes("%")) return true;
  try {
    decodeURIComponent(query);
    return true;
  } catch {
    return false;
  }
}

/** The answer for a query string that is not valid percent-encoding (it never repeats the URL). */
export const BAD_QUERY_ENCODING = {
  error: {
    code: "BAD_REQUEST",
    message:
      "The URL's query string is not valid percent-encoding (a % must be followed by two hex digits of UTF-8; write a literal % as %25).",
  },
} as const;
