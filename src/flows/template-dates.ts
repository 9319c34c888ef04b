/**
 * What the date filters are given, read the same on every host. liquidjs hands strings to
 * JavaScript's Date, which reads a date-time without a zone ("2026-01-05T09:00:00") in the
 * server's own zone: one flow wrote 09:00 on a UTC container, 14:00 on a server in New York and
 * 03:30 in Kolkata, and `tern flows test` expectations with it. Tern reads such a time as UTC, as
 * it writes dates in UTC unless the filter names a zone.
 */

/** Numbers this large are milliseconds: as seconds they would be after the year 5000. */
const MS_FROM = 1e11;

/** A zone or offset at the end: `Z`, `+02:00`, `-0500`, `GMT+1`, `UTC`, `EST`, `(Central European Time)`. */
const HAS_ZONE =
  /(?:[zZ]|[+-]\d{2}(?::?\d{2})?|\b(?:GMT|UTC|UT)(?:[+-]\d{1,4}(?::?\d{2})?)?|\b[ECMP][SD]T)\s*(?:\([^)]*\))?\s*$/;
/** ECMAScript reads these date-only ISO forms as UTC already. */
const ISO_DATE_ONLY = /^[+-]?\d{4,6}(?:-\d{2}(?:-\d{2})?)?$/;

/**
 * The value to give liquidjs's date filters: a time in milliseconds (`message.timestamp`, a
 * `steps.x.createdAt`) as the seconds liquidjs reads numbers as, and a date-time written without
 * a zone as UTC. Anything else unchanged (liquidjs decides what is not a date).
 */
export function dateFilterInput(value: unknown): unknown {
  if (typeof value === "number") return Math.abs(value) >= MS_FROM ? value / 1000 : value;
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) >= MS_FROM ? String(Math.floor(Number(text) / 1000)) : value;
  if (text === "" || text === "now" || text === "today" || HAS_ZONE.test(text) || ISO_DATE_ONLY.test(text))
    return value;
  const local = new Date(text);
  if (Number.isNaN(local.getTime())) return value;
  // Read in the server's zone; the same wall-clock time in UTC.
  return new Date(local.getTime() - local.getTimezoneOffset() * 60_000);
}

/** `| date: "<format>", "<zone>"` with both written out: the zone can be checked before any run. */
const DATE_WITH_ZONE = /\|\s*date\s*:\s*(["'])(?:(?!\1).)*\1\s*,\s*(["'])((?:(?!\2).)*)\2/g;

/**
 * Why a template's date filter names a time zone that does not exist (every run would fail at
 * that step), or null. Only zones written as text: one read from a variable is checked when used.
 */
export function dateZoneProblem(source: string): string | null {
  for (const match of source.matchAll(DATE_WITH_ZONE)) {
    const zone = match[3] ?? "";
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
    } catch {
      return `unknown time zone "${zone}" in a date filter: use an IANA name such as "Europe/Berlin" or "America/New_York"`;
    }
  }
  return null;
}
