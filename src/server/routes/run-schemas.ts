import { z } from "zod";
import { parseDurationMs } from "../../flows/duration.js";
import { MAX_FLOW_VERSION } from "../../flows/fields.js";
import { QueryWholeNumber } from "./query-numbers.js";

/** Query and body schemas of the runs routes; the OpenAPI document is generated from them. */

const Age = z
  .string()
  .refine(
    (v) => parseDurationMs(v) !== null,
    "an ISO-8601 duration such as PT1H, P1D or P7D (at most 100 years)",
  )
  .describe(
    "Only runs unchanged for at least this long (ISO-8601 duration, e.g. P7D): waiting longer than it",
  );

/** A time as ISO 8601 (`2026-12-03T09:00:00Z`) or ms since the epoch; null when it is neither. */
export function parseTime(value: string): number | null {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  // Date.parse takes many forms; only ISO 8601 dates (with an optional time) are allowed.
  const date = /^(\d{4})-(\d{2})-(\d{2})([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (!date) return null;
  // Date.parse rolls a day the month lacks over (2026-02-30 → March 2): refuse it instead.
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate())
    return null;
  // A time without an offset is UTC, as a date alone is: Date.parse would read it in the server's
  // zone, so the same query would answer differently on a laptop and in a container.
  const ms = Date.parse(date[4] && !date[5] ? `${value.replace(" ", "T")}Z` : value);
  return Number.isFinite(ms) ? ms : null;
}

const Time = (what: string) =>
  z
    .string()
    .max(40)
    .refine((v) => parseTime(v) !== null, "an ISO 8601 time (2026-12-03T09:00:00Z) or ms since the epoch")
    // Ten digits are seconds since the epoch (2001 to 2286): read as ms they are a day in 1970,
    // and `since` matched every run, which POST /runs/end would then end.
    .refine(
      (v) => !/^\d{10}$/.test(v),
      "ten digits look like seconds since the epoch: send milliseconds (13 digits) or an ISO 8601 time",
    )
    .describe(what);

// Ids are never empty: `?contactId=` (a client's unset variable) read as no filter and listed, or
// ended, everyone's runs.
const RunFilter = {
  flowId: z.string().min(1).max(200).optional().describe("Runs of this flow"),
  flowVersion: QueryWholeNumber(1, MAX_FLOW_VERSION).optional().describe("Runs on this version of the flow"),
  stepId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Runs on this step: waiting at it, running it, or (failed runs) failed at it"),
  contactId: z.string().min(1).max(200).optional().describe("Runs of this contact"),
  olderThan: Age.optional(),
  channelId: z.string().min(1).max(100).optional().describe("Runs on this channel (its id)"),
  since: Time(
    "Runs started at or after this time (ISO 8601, UTC when it names no offset, or ms since the epoch)",
  ).optional(),
  until: Time(
    "Runs started before this time (ISO 8601, UTC when it names no offset, or ms since the epoch)",
  ).optional(),
};

// Strict: a misspelt filter (`?stauts=failed`) is refused, not ignored into an unfiltered list.
export const RunListQuery = z.strictObject({
  ...RunFilter,
  status: z.enum(["running", "waiting", "completed", "failed", "ended"]).optional(),
  limit: QueryWholeNumber(1, 500).default(100).describe("Runs per page"),
  cursor: z
    .string()
    // A run's start time in ms (15 digits, as `since`) and its id: a longer number is no cursor
    // and overflowed PostgreSQL's bigint (500).
    .regex(/^\d{1,15}:[\w-]{1,200}$/, "the nextCursor of the previous page")
    .optional()
    .describe("The previous page's nextCursor: continues after its last run"),
});

export const MAX_BULK_END = 1_000;

export const RunEndManyBody = z
  .strictObject({
    ...RunFilter,
    flowVersion: z.int().min(1).max(MAX_FLOW_VERSION).optional().describe("Runs on this version of the flow"),
    status: z
      .enum(["waiting", "running"])
      .optional()
      .describe("Only waiting, or only running runs (default: both; other runs are already final)"),
    limit: z
      .int()
      .min(1)
      .max(MAX_BULK_END)
      .default(MAX_BULK_END)
      .describe("Ends at most this many (oldest first); call again for more"),
  })
  // The same filters as the list (README: "same filters"): channelId, since and until were refused.
  .refine(
    (b) =>
      b.flowId ||
      b.stepId ||
      b.contactId ||
      b.olderThan ||
      b.flowVersion ||
      b.channelId ||
      b.since ||
      b.until,
    {
      message:
        "name at least one filter (flowId, flowVersion, stepId, contactId, channelId, since, until or olderThan)",
    },
  )
  .describe("Ends the active runs matching every given filter, at most `limit`; returns how many");

export const FlowStatsQuery = z.strictObject({
  version: QueryWholeNumber(1, MAX_FLOW_VERSION)
    .optional()
    .describe("Count runs of this version only (default: all)"),
});

export const RunId = z.object({ id: z.string().min(1).max(200) });
