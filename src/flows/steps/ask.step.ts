import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { parseDurationMs } from "../duration.js";
import { Choices, Duration, StepId, stepBase, Template, VarName } from "../fields.js";
import type { StepContext, StepResult } from "../step.js";
import { defineStep } from "../step.js";
import { defaultRetryText, parseAnswer } from "./ask-answer.js";

export const AskStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("ask"),
    text: Template.min(1, { error: "text must not be empty" }),
    save: VarName.describe("The answer is saved as vars.<save>"),
    expect: z
      .enum(["text", "number", "email", "phone", "choice"])
      .default("text")
      .describe("number → number, phone → E.164, email → lowercase, choice → the choice id"),
    choices: Choices.optional().describe("Required when expect is choice; sent as buttons"),
    retryText: Template.optional().describe("Sent after an invalid answer (default depends on expect)"),
    maxRetries: z.int().min(0).max(10).default(2).describe("Re-asks after invalid answers"),
    timeout: Duration.optional().describe("How long to wait for the answer; then onTimeout"),
    next: StepId.optional().describe("Next step after a valid answer; without it the run completes"),
    onTimeout: StepId.optional().describe("Step after the timeout; without it the run completes"),
    onInvalid: StepId.optional().describe("Step after maxRetries invalid answers; without it the step fails"),
  })
  .check((ctx) => {
    const step = ctx.value;
    if (step.expect === "choice" && !step.choices) {
      ctx.issues.push({
        code: "custom",
        input: step,
        path: ["choices"],
        message: 'expect "choice" needs choices, e.g. [{ "id": "yes", "title": "Yes" }]',
      });
    }
    if (step.onTimeout && !step.timeout) {
      ctx.issues.push({
        code: "custom",
        input: step,
        path: ["onTimeout"],
        message: 'onTimeout is never taken without a timeout; add e.g. "timeout": "PT24H"',
      });
    }
  })
  .describe("Asks a question and waits for this contact's reply");
export type AskStep = z.infer<typeof AskStep>;

interface AskWaitState {
  retries: number;
  /** The question as sent (shown as the step input in run history). */
  text: string;
  /** Re-asks keep the original deadline. */
  timeoutAt: number | null;
}

export const askStep = defineStep({
  type: "ask",
  title: "Ask a question",
  version: 1,
  config: AskStep,
  async start(ctx) {
    const text = ctx.render(ctx.config.text);
    const message = withChoices(ctx, text);
    await ctx.effects.send(message);
    const timeoutMs = ctx.config.timeout ? parseDurationMs(ctx.config.timeout) : null;
    const timeoutAt = timeoutMs === null ? null : ctx.now() + timeoutMs;
    const state: AskWaitState = { retries: 0, text, timeoutAt };
    return { kind: "wait", timeoutAt, state, input: message };
  },
  async resume(ctx, event): Promise<StepResult> {
    const { config } = ctx;
    const state = readState(ctx.waitState);
    const input = { text: state.text };
    if (event.type === "timeout") {
      return { kind: "next", next: config.onTimeout ?? null, input, output: { timedOut: true } };
    }
    const answer = parseAnswer(config.expect, event.message, {
      choices: config.choices,
      contactPhone: ctx.contact.phone,
    });
    if (answer.ok) {
      const output = {
        text: event.message.text,
        value: answer.value,
        ...(answer.choice && { choice: answer.choice }),
      };
      return {
        kind: "next",
        next: config.next ?? null,
        vars: { [config.save]: answer.value },
        input,
        output,
      };
    }
    if (state.retries < config.maxRetries) {
      const retryText = config.retryText
        ? ctx.render(config.retryText)
        : defaultRetryText(config.expect, config.choices);
      await ctx.effects.send(withChoices(ctx, retryText));
      const next: AskWaitState = { ...state, retries: state.retries + 1 };
      return {
        kind: "wait",
        timeoutAt: state.timeoutAt,
        state: next,
        input,
        output: { invalid: event.message.text },
      };
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
      `The contact gave ${state.retries + 1} invalid answers to step "${config.id}" (expected ${config.expect}). ` +
        `Add "onInvalid" to the step to handle this, or raise "maxRetries".`,
      { details: { stepId: config.id, expect: config.expect, lastAnswer: event.message.text.slice(0, 200) } },
    );
  },
});

function withChoices(ctx: StepContext<AskStep>, text: string) {
  const choices = ctx.config.choices?.map((c) => ({ id: c.id, title: ctx.render(c.title) }));
  return choices ? { text, choices } : { text };
}

function readState(value: unknown): AskWaitState {
  const v = (value ?? {}) as Partial<AskWaitState>;
  return {
    retries: typeof v.retries === "number" ? v.retries : 0,
    text: typeof v.text === "string" ? v.text : "",
    timeoutAt: typeof v.timeoutAt === "number" ? v.timeoutAt : null,
  };
}
