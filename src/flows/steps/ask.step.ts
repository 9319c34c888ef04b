import { z } from "zod";
import { Choices, StepId, stepBase, Template, VarName } from "../fields.js";
import type { StepContext } from "../step.js";
import { defineStep } from "../step.js";
import { defaultRetryText, parseAnswer } from "./ask-answer.js";
import {
  type QuestionHooks,
  questionExits,
  questionFields,
  questionIssues,
  resumeQuestion,
  startQuestion,
} from "./question.js";
import { shownChoices } from "./shown-choices.js";

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
    ...questionFields,
    next: StepId.optional().describe("Next step after a valid answer; without it the run completes"),
    ...questionExits,
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
    for (const issue of questionIssues(step)) ctx.issues.push({ code: "custom", input: step, ...issue });
  })
  .describe("Asks a question and waits for this contact's reply");
export type AskStep = z.infer<typeof AskStep>;

export const askStep = defineStep({
  type: "ask",
  title: "Ask a question",
  version: 1,
  config: AskStep,
  start: (ctx) => startQuestion(ctx, hooks(ctx)),
  resume: (ctx, event) => resumeQuestion(ctx, event, hooks(ctx)),
});

function hooks(ctx: StepContext<AskStep>): QuestionHooks {
  const { config } = ctx;
  // Titles may be templates: shown and matched as the contact saw them.
  const shown = () => (config.choices ? shownChoices(config.choices, (t) => ctx.render(t)) : []);
  return {
    outbound: (text) => (config.choices ? { text, choices: shown() } : { text }),
    defaultRetryText: () => defaultRetryText(config.expect),
    expected: config.expect,
    choices: shown,
    answer: (message) => {
      const answer = parseAnswer(config.expect, message, {
        choices: shown(),
        contactPhone: ctx.contact.phone,
      });
      if (!answer.ok) return null;
      // A tapped suggestion of a free-text question is its choice as well (steps.<id>.choice).
      const choice = answer.choice ?? shown().find((c) => c.id === message.choice?.id);
      const output = {
        text: message.text,
        value: answer.value,
        ...(choice && { choice }),
      };
      return { kind: "next", next: config.next ?? null, vars: { [config.save]: answer.value }, output };
    },
  };
}
