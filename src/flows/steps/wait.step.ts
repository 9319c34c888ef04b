import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { parseDurationMs } from "../duration.js";
import { Duration, StepId, stepBase, Template } from "../fields.js";
import { defineStep } from "../step.js";
import { isTemplate } from "../template.js";

/**
 * A durable delay. The run waits with a deadline like an unanswered `ask` (runs.timeout_at: the
 * timer on SQLite, a job on PostgreSQL), so the wait outlives restarts and fires on any worker.
 * A message the contact sends meanwhile is recorded in the conversation (and becomes `message`
 * in templates) but does not end the wait: the run goes on at the deadline.
 */
export const WaitStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("wait"),
    duration: Duration.optional().describe("How long to wait, e.g. PT10M, P1D"),
    until: Template.optional().describe(
      "Wait until this date and time, e.g. '{{ vars.appointment }}' (ISO 8601 with a zone: 2026-12-24T09:00:00+01:00)",
    ),
    next: StepId.optional().describe("Step after the wait; without it the run completes"),
  })
  .check((ctx) => {
    const { duration, until } = ctx.value;
    if ((duration === undefined) === (until === undefined)) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        path: [duration === undefined ? "duration" : "until"],
        message: 'give either "duration" (e.g. "PT10M") or "until" (a date and time), not both',
      });
    }
    // A literal that is no moment would fail every run at this step: refuse it now.
    if (until !== undefined && !isTemplate(until) && momentOf(until) === null) {
      ctx.issues.push({
        code: "custom",
        input: until,
        path: ["until"],
        message: `"${until.slice(0, 100)}" is not a date and time with a zone; use ISO 8601 such as 2026-12-24T09:00:00+01:00, or a template such as {{ vars.appointment }}`,
      });
    }
  })
  .describe("Waits for a time, then continues (messages meanwhile are recorded, the wait goes on)");
export type WaitStep = z.infer<typeof WaitStep>;

interface WaitState {
  until: number;
  /** Messages the contact sent during the wait. */
  messages: number;
}

// A date, or a date and time with Z or an offset: without a zone the moment would depend on the server.
const ISO_MOMENT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const waitStep = defineStep({
  type: "wait",
  title: "Wait",
  version: 1,
  config: WaitStep,
  start(ctx) {
    const { duration, until } = ctx.config;
    const now = ctx.now();
    const at = duration ? now + (parseDurationMs(duration) ?? 0) : parseMoment(ctx.render(until ?? ""));
    const input = { until: new Date(at).toISOString() };
    // A moment already past: nothing to wait for.
    if (at <= now)
      return { kind: "next", next: ctx.config.next ?? null, input, output: { ...input, messages: 0 } };
    const state: WaitState = { until: at, messages: 0 };
    return { kind: "wait", timeoutAt: at, state, input };
  },
  resume(ctx, event) {
    const state = readState(ctx.waitState);
    const input = { until: new Date(state.until).toISOString() };
    if (event.type === "timeout") {
      return {
        kind: "next",
        next: ctx.config.next ?? null,
        input,
        output: { ...input, messages: state.messages },
      };
    }
    const next: WaitState = { ...state, messages: state.messages + 1 };
    return { kind: "wait", timeoutAt: state.until, state: next, input, output: { messages: next.messages } };
  },
});

/** ms since epoch, or null when the text is not an ISO 8601 moment with a zone. */
function momentOf(text: string): number | null {
  const trimmed = text.trim();
  const at = ISO_MOMENT.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) || !isCalendarDate(trimmed) ? null : at;
}

/**
 * Date.parse rolls a day the month does not have over ("2026-02-30" is 2 March): a customer's
 * typo would silently wait for another day.
 */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  // setUTCFullYear, not Date.UTC: that one reads the years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function parseMoment(text: string): number {
  const trimmed = text.trim();
  const at = momentOf(trimmed);
  if (at === null) {
    throw new AppError(
      "VALIDATION_FAILED",
      `The wait's "until" is "${trimmed.slice(0, 100)}", which is not a date and time with a zone; ` +
        "use ISO 8601 such as 2026-12-24T09:00:00+01:00 or 2026-12-24T08:00:00Z.",
    );
  }
  return at;
}

function readState(value: unknown): WaitState {
  const v = (value ?? {}) as Partial<WaitState>;
  return {
    until: typeof v.until === "number" ? v.until : 0,
    messages: typeof v.messages === "number" ? v.messages : 0,
  };
}
