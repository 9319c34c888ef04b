import { z } from "zod";
import { Choice, StepId, stepBase, Template, uniqueChoiceIds, VarName } from "../fields.js";
import type { StepContext } from "../step.js";
import { defineStep } from "../step.js";
import { parseAnswer } from "./ask-answer.js";
import {
  type QuestionHooks,
  questionExits,
  questionFields,
  questionIssues,
  resumeQuestion,
  startQuestion,
} from "./question.js";
import { shownChoices } from "./shown-choices.js";

/**
 * A menu: the question with its options, where each option may lead to its own step. The
 * channel shows the options as it can (channels/channel.ts `OutboundMessage.choices`): buttons
 * when they fit its button limits, else a list, else numbered text; the answer is read as
 * `ask` with `expect: "choice"` reads it (a tapped option, its title, or its number).
 */
export const MenuChoice = Choice.extend({
  next: StepId.optional().describe("Step after this option; default the menu's next"),
});
export type MenuChoice = z.infer<typeof MenuChoice>;

export const MenuStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("menu"),
    text: Template.min(1, { error: "text must not be empty" }),
    choices: z
      .array(MenuChoice)
      .min(1, { error: "give at least one choice" })
      // A sanity bound; each channel's own limits decide buttons, list or numbered text.
      .max(100, { error: "at most 100 choices" })
      .check(uniqueChoiceIds)
      .describe("The options, shown as buttons, a list or numbered text as the channel allows"),
    save: VarName.optional().describe("The chosen option's id is also saved as vars.<save>"),
    ...questionFields,
    next: StepId.optional().describe(
      "Step after an option without its own next; without it the run completes",
    ),
    ...questionExits,
  })
  .check((ctx) => {
    for (const issue of questionIssues(ctx.value))
      ctx.issues.push({ code: "custom", input: ctx.value, ...issue });
  })
  .describe("Offers options (buttons, a list or numbered text) and continues by the contact's choice");
export type MenuStep = z.infer<typeof MenuStep>;

export const menuStep = defineStep({
  type: "menu",
  title: "Menu",
  version: 1,
  config: MenuStep,
  exits(config) {
    return config.choices.flatMap((c, i) =>
      c.next ? [{ path: ["choices", i, "next"], target: c.next }] : [],
    );
  },
  start: (ctx) => startQuestion(ctx, hooks(ctx)),
  resume: (ctx, event) => resumeQuestion(ctx, event, hooks(ctx)),
});

function hooks(ctx: StepContext<MenuStep>): QuestionHooks {
  const { config } = ctx;
  // Titles may be templates: matched as the contact saw them.
  const shown = () => shownChoices(config.choices, (t) => ctx.render(t));
  return {
    outbound: (text) => ({ text, choices: shown() }),
    // The options go with the retry (buttons, a list or numbered lines): no need to repeat them.
    defaultRetryText: () => "Please choose one of the options.",
    expected: "choice",
    choices: shown,
    answer: (message) => {
      const answer = parseAnswer("choice", message, { choices: shown() });
      if (!answer.ok || !answer.choice) return null;
      const { id, title } = answer.choice;
      const next = config.choices.find((c) => c.id === id)?.next ?? config.next ?? null;
      return {
        kind: "next",
        next,
        vars: config.save ? { [config.save]: id } : {},
        output: { text: message.text, value: id, choice: { id, title }, next },
      };
    },
  };
}
