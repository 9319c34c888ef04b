import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { cutText } from "../../core/cut-text.js";
import { parseDurationMs } from "../duration.js";
import { Duration, StepId, Template } from "../fields.js";
import type { MessageView, OutboundMessageSpec } from "../runtime.js";
import type { ResumeEvent, StepContext, StepResult } from "../step.js";

/**
 * What `ask` and `menu` share: send a question, wait for this contact's reply, re-ask after an
 * invalid answer up to a limit, remind before the deadline, and time out. The step types differ
 * only in how an answer is read and where a valid one leads.
 */

export const Reminder = z
  .strictObject({
    after: Duration.describe("When, counted from the moment the question was first sent, e.g. PT5M"),
    text: Template.min(1, { error: "text must not be empty" }).describe("The reminder, e.g. 'Still there?'"),
  })
  .describe("A message sent while the question is still unanswered, at most once");
export type Reminder = z.infer<typeof Reminder>;

const DEFAULT_RETRIES = 2;

export const questionFields = {
  retryText: Template.optional().describe(
    "Sent after an invalid answer (default depends on what is expected)",
  ),
  maxRetries: z
    .int()
    .min(0)
    .max(10)
    .optional()
    .describe("Re-asks after invalid answers (default 2); the same limit as maxAttempts - 1"),
  maxAttempts: z
    .int()
    .min(1)
    .max(11)
    .optional()
    .describe("Answers the contact may give in all, the first included (default 3 = maxRetries 2)"),
  timeout: Duration.optional().describe("How long to wait for the answer; then onTimeout"),
  reminders: z
    .array(Reminder)
    .min(1, { error: "give at least one reminder, or leave reminders out" })
    .max(5, { error: "at most 5 reminders" })
    .optional()
    .describe("Sent before the timeout while the question is unanswered, each at most once"),
};

/** The question's own exits (after the step's `next`, as the editor lists them). */
export const questionExits = {
  onTimeout: StepId.optional().describe("Step after the timeout; without it the run completes"),
  onInvalid: StepId.optional().describe("Step after the last invalid answer; without it the step fails"),
};

type QuestionConfig = {
  id: string;
  retryText?: string;
  maxRetries?: number;
  maxAttempts?: number;
  timeout?: string;
  reminders?: Reminder[];
  onTimeout?: string;
  onInvalid?: string;
};

type Issue = { path: Array<string | number>; message: string };

/** Cross-field problems of a question step (for its schema's `.check`). */
export function questionIssues(step: QuestionConfig): Issue[] {
  const issues: Issue[] = [];
  if (step.onTimeout && !step.timeout) {
    issues.push({
      path: ["onTimeout"],
      message: 'onTimeout is never taken without a timeout; add e.g. "timeout": "PT24H"',
    });
  }
  if (step.maxRetries !== undefined && step.maxAttempts !== undefined) {
    if (step.maxRetries !== step.maxAttempts - 1) {
      issues.push({
        path: ["maxAttempts"],
        message: `maxAttempts ${step.maxAttempts} allows ${step.maxAttempts - 1} re-asks but maxRetries says ${step.maxRetries}; give one of them`,
      });
    }
  }
  const timeoutMs = step.timeout ? parseDurationMs(step.timeout) : null;
  const seen = new Map<number, string>();
  step.reminders?.forEach((reminder, i) => {
    const afterMs = parseDurationMs(reminder.after);
    if (timeoutMs !== null && afterMs !== null && afterMs >= timeoutMs) {
      issues.push({
        path: ["reminders", i, "after"],
        message: `this reminder (${reminder.after}) is never sent: the question times out first (${step.timeout})`,
      });
    }
    // Only the latest reminder due is sent (one nudge, not a burst): of two due at the same
    // time, the earlier in the list was silently never sent.
    const same = afterMs === null ? undefined : seen.get(afterMs);
    if (same !== undefined) {
      issues.push({
        path: ["reminders", i, "after"],
        message: `this reminder is due at the same time as ${same}; only one of them would be sent: put both texts in one reminder`,
      });
    } else if (afterMs !== null) seen.set(afterMs, `reminders[${i}] (${reminder.after})`);
  });
  return issues;
}

/** Re-asks allowed: `maxRetries`, else `maxAttempts - 1`, else 2. */
export function retriesAllowed(config: QuestionConfig): number {
  if (config.maxRetries !== undefined) return config.maxRetries;
  if (config.maxAttempts !== undefined) return config.maxAttempts - 1;
  return DEFAULT_RETRIES;
}

export interface QuestionState {
  retries: number;
  /** The question as sent (shown as the step input in run history). */
  text: string;
  /** The deadline; re-asks and reminders keep it. */
  timeoutAt: number | null;
  /** When the question was first sent: reminders count from here. */
  askedAt: number;
  /** How many of the reminders (in order of `after`) are done: sent, or skipped as overdue. */
  reminded: number;
  /**
   * When the question's send began (the same on a replay of it): a message stored before then
   * was written before the contact could see the question, and answers nothing. Re-asks keep it.
   */
  answersFrom?: number;
}

export interface QuestionHooks {
  /** The message for a text (the question's choices attached, titles rendered). */
  outbound(text: string): OutboundMessageSpec;
  /** The retry text when the step has no `retryText`. */
  defaultRetryText(): string;
  /** What was expected, for the error after the last invalid answer (e.g. "number"). */
  expected: string;
  /** A valid answer's result, or null when the answer is invalid. */
  answer(message: MessageView): Extract<StepResult, { kind: "next" }> | null;
  /** The buttons this question shows (none for a question without choices). */
  choices(): ReadonlyArray<{ id: string; title: string }>;
}

/**
 * A tapped button that is none of this question's (by id or title): the contact tapped an older
 * message's button, perhaps while the flow was still busy. It answers nothing; the question waits
 * on (the message is in the transcript), instead of taking a "Yes" as a name.
 */
function isOtherMessagesTap(message: MessageView, hooks: QuestionHooks): boolean {
  const tap = message.choice;
  return (
    tap !== undefined &&
    tap !== null &&
    !hooks.choices().some((c) => c.id === tap.id || c.title === tap.title)
  );
}

export async function startQuestion(
  ctx: StepContext<QuestionConfig & { text: string }>,
  hooks: QuestionHooks,
): Promise<StepResult> {
  const text = ctx.render(ctx.config.text);
  const message = hooks.outbound(text);
  const receipt = await ctx.effects.send(message);
  const now = ctx.now();
  const timeoutMs = ctx.config.timeout ? parseDurationMs(ctx.config.timeout) : null;
  const timeoutAt = timeoutMs === null ? null : now + timeoutMs;
  const state: QuestionState = { retries: 0, text, timeoutAt, askedAt: now, reminded: 0 };
  // A host that cannot say when the send began (unit-test hosts) lets every reply count.
  if (receipt?.sentAt !== undefined) state.answersFrom = receipt.sentAt;
  return waitOn(ctx.config, state, { input: message });
}

/** The question keeps waiting with `state`: its wake-up and, for the worker, where answers start. */
function waitOn(
  config: QuestionConfig,
  state: QuestionState,
  shown: { input: unknown; output?: unknown },
): StepResult {
  return {
    kind: "wait",
    timeoutAt: nextWake(config, state),
    state,
    ...(state.answersFrom === undefined ? {} : { answersFrom: state.answersFrom }),
    ...shown,
  };
}

/**
 * A message stored before the question was sent: the contact wrote it before they could see it.
 * Only while the clock reads past the send: a clock stepped back since (NTP, a VM resumed) stamps
 * the answers earlier than the question, and every one was set aside until the step timed out.
 */
function isFromBefore(
  event: Extract<ResumeEvent, { type: "reply" }>,
  state: QuestionState,
  now: number,
): boolean {
  return (
    event.receivedAt !== undefined &&
    state.answersFrom !== undefined &&
    event.receivedAt < state.answersFrom &&
    state.answersFrom <= now
  );
}

export async function resumeQuestion(
  ctx: StepContext<QuestionConfig>,
  event: ResumeEvent,
  hooks: QuestionHooks,
): Promise<StepResult> {
  const { config } = ctx;
  const state = readState(ctx.waitState, config);
  const input = { text: state.text };
  if (event.type === "timeout") {
    if (state.timeoutAt !== null && ctx.now() >= state.timeoutAt) {
      return { kind: "next", next: config.onTimeout ?? null, input, output: { timedOut: true } };
    }
    return remind(ctx, state, hooks);
  }
  if (isFromBefore(event, state, ctx.now())) {
    // Answered nothing (it is in the transcript): "what is this about?", written while a slow
    // step ran, was taken as the name the next question asked for.
    return waitOn(config, state, { input, output: { beforeQuestion: cutText(event.message.text, 200) } });
  }
  if (isOtherMessagesTap(event.message, hooks)) {
    return waitOn(config, state, { input, output: { ignoredTap: event.message.choice } });
  }
  const valid = hooks.answer(event.message);
  if (valid) return { ...valid, input };
  if (state.retries < retriesAllowed(config)) {
    const retryText = config.retryText ? ctx.render(config.retryText) : hooks.defaultRetryText();
    await ctx.effects.send(hooks.outbound(retryText));
    const next: QuestionState = { ...state, retries: state.retries + 1 };
    return waitOn(config, next, { input, output: { invalid: event.message.text } });
  }
  if (config.onInvalid) {
    return {
      kind: "next",
      next: config.onInvalid,
      input,
      output: { invalid: true, text: event.message.text },
    };
  }
  throw new AppError(
    "VALIDATION_FAILED",
    `The contact gave ${state.retries + 1} invalid answers to step "${config.id}" (expected ${hooks.expected}). ` +
      `Add "onInvalid" to the step to handle this, or raise "maxAttempts".`,
    { details: { stepId: config.id, expect: hooks.expected, lastAnswer: cutText(event.message.text, 200) } },
  );
}

/**
 * A reminder's time came (the wait's wake-up is the earliest of the next reminder and the
 * deadline). Only the latest due reminder is sent: after a long outage the contact gets one
 * nudge, not a burst. Its effect key continues the visit's numbering, so a crash between the
 * send and the persist re-sends nothing.
 */
async function remind(
  ctx: StepContext<QuestionConfig>,
  state: QuestionState,
  hooks: QuestionHooks,
): Promise<StepResult> {
  const now = ctx.now();
  const due = schedule(ctx.config, state).filter((r) => r.at <= now);
  const last = due.at(-1);
  if (!last) return waitOn(ctx.config, state, { input: { text: state.text } });
  const text = ctx.render(last.reminder.text);
  await ctx.effects.send(hooks.outbound(text));
  const next: QuestionState = { ...state, reminded: last.index + 1 };
  return waitOn(ctx.config, next, {
    input: { text: state.text },
    output: { reminded: last.index + 1, reminder: text },
  });
}

/** Reminders not done yet, in order, each with its time; those at or past the deadline never come. */
function schedule(config: QuestionConfig, state: QuestionState) {
  return sortedReminders(config)
    .map((reminder, index) => ({
      reminder,
      index,
      at: state.askedAt + (parseDurationMs(reminder.after) ?? Number.POSITIVE_INFINITY),
    }))
    .filter((r) => r.index >= state.reminded && (state.timeoutAt === null || r.at < state.timeoutAt));
}

function sortedReminders(config: QuestionConfig): Reminder[] {
  const ms = (r: Reminder) => parseDurationMs(r.after) ?? Number.POSITIVE_INFINITY;
  return [...(config.reminders ?? [])].sort((a, b) => ms(a) - ms(b));
}

/** When the run must wake: the next reminder's time, else the deadline, else never (null). */
function nextWake(config: QuestionConfig, state: QuestionState): number | null {
  return schedule(config, state)[0]?.at ?? state.timeoutAt;
}

function readState(value: unknown, config: QuestionConfig): QuestionState {
  const v = (value ?? {}) as Partial<QuestionState>;
  const hasAskedAt = typeof v.askedAt === "number";
  return {
    retries: typeof v.retries === "number" ? v.retries : 0,
    text: typeof v.text === "string" ? v.text : "",
    timeoutAt: typeof v.timeoutAt === "number" ? v.timeoutAt : null,
    askedAt: hasAskedAt ? (v.askedAt as number) : 0,
    // A wait stored before reminders existed has no start time: it sends none.
    reminded: typeof v.reminded === "number" ? v.reminded : hasAskedAt ? 0 : (config.reminders?.length ?? 0),
    ...(typeof v.answersFrom === "number" && { answersFrom: v.answersFrom }),
  };
}
