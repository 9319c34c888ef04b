import { z } from "zod";
import { onFirstUse } from "../core/on-first-use.js";
import { ContactTag } from "./fields.js";

/** Loaded when a schedule trigger is first read (most deployments have none). */
const cron = onFirstUse<typeof import("cron-parser")>("cron-parser");

/**
 * The trigger kinds beyond an inbound message: started by the API (or the flow's signed webhook),
 * on a schedule, or when a contact gains a tag. How each starts a run: README.md ("Triggers").
 */

/** Longest pattern, and how much of a message a pattern is tried on (bounded work per message). */
export const PATTERN_MAX_LENGTH = 200;
export const PATTERN_INPUT_MAX = 1_000;

/**
 * Backtracking blow-ups come from a repeated group that itself holds a repeat or alternatives
 * (`(a+)+`, `(a|aa)*`, `((a+))+`) and from back-references; both are refused, so a customer's
 * message cannot stall the worker. Conservative: `(yes|no)+` is refused too.
 */
function hasRepeatedAmbiguousGroup(pattern: string): boolean {
  const groups: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") groups.push(false);
    else if (c === "|" || c === "*" || c === "+" || c === "{") {
      if (groups.length > 0) groups[groups.length - 1] = true;
    } else if (c === ")") {
      const isAmbiguous = groups.pop() ?? false;
      const after = pattern[i + 1];
      if (isAmbiguous && (after === "*" || after === "+" || after === "{")) return true;
      if (isAmbiguous && groups.length > 0) groups[groups.length - 1] = true;
    }
  }
  return false;
}
const BACKREFERENCE = /\\[1-9]|\\k</;

export function patternProblem(pattern: string): string | null {
  if (hasRepeatedAmbiguousGroup(pattern))
    return "a repeated group that itself repeats or has alternatives (like (a+)+ or (a|aa)*) is refused";
  if (BACKREFERENCE.test(pattern)) return "back-references are refused";
  try {
    new RegExp(pattern, "iu");
  } catch (error) {
    return `not a valid regular expression (${(error as Error).message})`;
  }
  return null;
}

export const TriggerPattern = z
  .string()
  .min(1)
  .max(PATTERN_MAX_LENGTH, { error: `a pattern is at most ${PATTERN_MAX_LENGTH} characters` })
  .check((ctx) => {
    const problem = patternProblem(ctx.value);
    if (problem) ctx.issues.push({ code: "custom", input: ctx.value, message: `pattern: ${problem}` });
  })
  .describe(
    "Start only when the message matches this regular expression (case-insensitive, tried on its first 1,000 characters)",
  );

export const ApiTrigger = z
  .strictObject({ type: z.literal("api") })
  .describe(
    "Starts only through POST /api/v1/flows/:id/runs or the flow's signed webhook (any flow can be started that way)",
  );

function timeZoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return null;
  } catch {
    return `unknown time zone "${zone}"; use an IANA name such as "Europe/Berlin"`;
  }
}

export const ContactRef = z.strictObject({
  channel: z.string().min(1).max(200).describe("Channel id or name"),
  address: z.string().min(1).max(200).describe("The contact's address on that channel (e.g. a phone number)"),
});
export type ContactRef = z.infer<typeof ContactRef>;

export const ScheduleTrigger = z
  .strictObject({
    type: z.literal("schedule"),
    cron: z
      .string()
      .min(1)
      .max(200)
      .check((ctx) => {
        // cron-parser fills missing fields in (a four-field "* * * *" would run every minute of
        // a meaning nobody wrote); the documented forms are five fields or six with seconds.
        const fields = ctx.value.trim().split(/\s+/).length;
        if (fields !== 5 && fields !== 6) {
          ctx.issues.push({
            code: "custom",
            input: ctx.value,
            message: `a cron expression has five fields (minute hour day-of-month month day-of-week), or six with seconds first; this one has ${fields}: e.g. "0 9 * * 1-5" (09:00 on weekdays)`,
          });
          return;
        }
        try {
          cron().CronExpressionParser.parse(ctx.value, { tz: "UTC", strict: false });
        } catch (error) {
          ctx.issues.push({
            code: "custom",
            input: ctx.value,
            message: `not a cron expression (${(error as Error).message}); e.g. "0 9 * * 1-5" (09:00 on weekdays)`,
          });
        }
      })
      .describe('Cron expression (minute hour day-of-month month day-of-week), e.g. "0 9 * * 1-5"'),
    timezone: z
      .string()
      .min(1)
      .max(64)
      .check((ctx) => {
        const problem = timeZoneProblem(ctx.value);
        if (problem) ctx.issues.push({ code: "custom", input: ctx.value, message: problem });
      })
      .optional()
      .describe("IANA time zone the cron expression is read in (default UTC)"),
    audience: z
      .strictObject({
        contacts: z.array(ContactRef).min(1).max(1_000).optional(),
        tag: ContactTag.optional().describe("Every contact with this tag, on their most recent conversation"),
      })
      .refine((a) => a.contacts !== undefined || a.tag !== undefined, {
        error: "name the audience: contacts, a tag, or both",
      }),
  })
  .describe("Starts a run for each contact of the audience at every time the cron expression names");
export type ScheduleTrigger = z.infer<typeof ScheduleTrigger>;

export const TagTrigger = z
  .strictObject({
    type: z.literal("tag"),
    tags: z.array(ContactTag).min(1).max(50).describe("Start when a contact gains one of these tags"),
  })
  .describe("Starts a run when a contact gains one of the tags (contact.tag step or the contacts API)");
export type TagTrigger = z.infer<typeof TagTrigger>;
