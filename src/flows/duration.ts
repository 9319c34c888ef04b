/**
 * ISO-8601 durations without years and months (their length depends on the calendar):
 * PnW, PnD, PTnH, PTnM, PTnS and combinations such as P1DT12H, up to MAX_DURATION_MS. Returns
 * null when invalid. https://en.wikipedia.org/wiki/ISO_8601#Durations
 */
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/**
 * 100 years. A longer one is no wait or age anyone means, and a moment that far ahead is no date:
 * a wait of PT999999999999999H passed validation and failed every run ("Invalid time value"), and
 * such an age overflowed PostgreSQL's bigint.
 */
export const MAX_DURATION_MS = 36_500 * DAY;

export function parseDurationMs(value: string): number | null {
  if (value.length > 64) return null;
  const match = DURATION.exec(value);
  if (!match || value === "P" || value.endsWith("T")) return null;
  const [, weeks, days, hours, minutes, seconds] = match;
  const ms =
    Number(weeks ?? 0) * 7 * DAY +
    Number(days ?? 0) * DAY +
    Number(hours ?? 0) * HOUR +
    Number(minutes ?? 0) * MINUTE +
    Math.round(Number(seconds ?? 0) * SECOND);
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_DURATION_MS ? ms : null;
}
