import { describe, expect, it } from "vitest";
import { stepRegistry } from "../steps.js";
import { validateFlow } from "./validate.js";

const warningsOf = (step: Record<string, unknown>) =>
  validateFlow(
    {
      schema: "tern.flow/v1",
      name: "t",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [{ id: "q", ...step }],
    },
    { steps: stepRegistry },
  ).warnings;

const tooLong = (path: string) => ({
  path,
  stepId: "q",
  message: expect.stringMatching(/on WhatsApp.* is longer than the 4096 a message may have: the send fails/),
});

describe("text length warnings", () => {
  // Each goes out as a message of its own and failed at run time with CHANNEL_SEND_FAILED.
  it("measure every text a question sends: its retryText and its reminders too", () => {
    const long = "x".repeat(5_000);
    expect(
      warningsOf({
        type: "ask",
        text: "Your name?",
        save: "name",
        retryText: long,
        timeout: "PT1H",
        reminders: [
          { after: "PT10M", text: "Still there?" },
          { after: "PT20M", text: long },
        ],
      }),
    ).toEqual([tooLong("$.steps[0].retryText"), tooLong("$.steps[0].reminders[1].text")]);
  });

  it("count a menu's retryText with the numbered choices it carries", () => {
    const choices = [
      { id: "a", title: "A" },
      { id: "b", title: "B" },
    ];
    // 4,095 characters leave no room for the numbered lines (the buttons' body takes 1,024).
    const text = "y".repeat(4_095);
    const warnings = warningsOf({ type: "menu", text: "Pick one", choices, retryText: text });
    expect(warnings).toContainEqual({
      ...tooLong("$.steps[0].retryText"),
      message: expect.stringContaining("this text with its numbered choices"),
    });
  });

  it("leave templated and short texts alone", () => {
    const long = "x".repeat(5_000);
    expect(
      warningsOf({
        type: "ask",
        text: "Your name?",
        save: "name",
        retryText: `${long}{{ vars.x }}`,
        timeout: "PT1H",
        reminders: [{ after: "PT10M", text: "Still there?" }],
      }),
    ).toEqual([]);
  });
});
