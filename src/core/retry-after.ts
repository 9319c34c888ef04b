/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in any of the three forms a
 * recipient must read (§5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850
 * `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`, all UTC. Nothing else:
 * Date.parse read "1.5" and "-1" as dates in 2001 (a retry at once), and asctime, which names no
 * zone, in the server's zone (a 10 s wait became 5 hours in New York).
 */
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "\\d{2}:\\d{2}:\\d{2}";
const GMT_DATE = new RegExp(
  `^(?:${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME}|${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME}) GMT$`,
  "i",
);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} (?: \\d|\\d{2}) ${TIME} \\d{4}$`, "i");

/** The time a `Retry-After` value names, in ms since the epoch; null when it is neither form. */
export function retryAfterAt(value: string, now: number): number | null {
  const text = value.trim();
  if (/^\d+$/.test(text)) return now + Number(text) * 1000;
  const at = GMT_DATE.test(text)
    ? Date.parse(text)
    : ASCTIME.test(text)
      ? Date.parse(`${text} GMT`)
      : Number.NaN;
  return Number.isNaN(at) ? null : at;
}
