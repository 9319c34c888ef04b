import { z } from "zod";

/**
 * Business hours in a time zone, as a branch condition: `{ "businessHours": { "timeZone":
 * "Europe/Berlin", "days": ["mon", …, "fri"], "from": "09:00", "to": "17:00" } }`. Evaluated
 * with Intl at the run's clock, so daylight saving time follows the zone's rules. A span whose
 * `to` is before its `from` runs overnight and belongs to the day it starts on.
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Weekday = (typeof WEEKDAYS)[number];
const WORKDAYS: ReadonlyArray<Weekday> = ["mon", "tue", "wed", "thu", "fri"];

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

const Time = z.string().regex(TIME, { error: 'a time is HH:MM on a 24-hour clock, e.g. "09:00" or "17:30"' });

export const BusinessHours = z
  .strictObject({
    timeZone: z
      .string()
      .max(64)
      .refine(isTimeZone, {
        error: 'unknown time zone; use an IANA name such as "Europe/Berlin" or "America/New_York"',
      })
      .describe("IANA time zone, e.g. Europe/Berlin"),
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1, { error: "name at least one day" })
      .max(7)
      .default([...WORKDAYS])
      .describe("Open days (default mon to fri)"),
    from: Time.describe("Opening time, e.g. 09:00"),
    to: Time.describe("Closing time, e.g. 17:00 (24:00 for midnight; before from = overnight)"),
  })
  .check((ctx) => {
    const { from, to } = ctx.value;
    if (from === "24:00") {
      ctx.issues.push({ code: "custom", input: from, path: ["from"], message: 'from is at most "23:59"' });
    } else if (minutes(from) === minutes(to)) {
      ctx.issues.push({
        code: "custom",
        input: to,
        path: ["to"],
        message: 'from and to are the same time; for the whole day use "00:00" to "24:00"',
      });
    }
  })
  .describe("Holds during these hours on these days in the time zone");
export type BusinessHours = z.infer<typeof BusinessHours>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function minutes(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Weekday and minutes since midnight at `at` in the zone. */
function localTime(at: number, timeZone: string): { day: Weekday; minute: number } {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  const day = String(parts.weekday).slice(0, 3).toLowerCase() as Weekday;
  return { day, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** Whether `at` (ms) falls in the hours; `days` absent = mon to fri, as the schema's default. */
export function isWithinBusinessHours(hours: z.input<typeof BusinessHours>, at: number): boolean {
  const { day, minute } = localTime(at, hours.timeZone);
  const from = minutes(hours.from);
  const to = minutes(hours.to);
  const days = hours.days ?? WORKDAYS;
  const isOpenOn = (d: Weekday) => days.includes(d);
  if (from < to) return isOpenOn(day) && minute >= from && minute < to;
  // Overnight: the evening belongs to today, the small hours to yesterday's span.
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7] as Weekday;
  return (isOpenOn(day) && minute >= from) || (isOpenOn(yesterday) && minute < to);
}
