import { type ChannelCapabilities, numberedChoices } from "../channels/channel.js";
import { choiceMisfit } from "../channels/choice-fit.js";
import { getChannelDefinition } from "../channels/registry.js";
import type { Flow } from "./schema.js";

/**
 * Warnings, never errors, for choices a triggering channel cannot show as buttons or a list:
 * its adapter sends them as numbered text instead (the ask step still takes `1` or the title).
 * The limits are the channel's own capabilities, not the core's.
 */
export function channelFitWarnings(flow: Flow): Array<{ path: string; message: string }> {
  const types = flow.trigger.type === "message" ? flow.trigger.channels : [];
  const warnings: Array<{ path: string; message: string }> = [];
  flow.steps.forEach((step, index) => {
    warnings.push(...textFitWarnings(step, index, types));
    const choices = "choices" in step && Array.isArray(step.choices) ? step.choices : [];
    if (choices.length === 0) return;
    for (const type of types) {
      const definition = getChannelDefinition(type);
      if (!definition) continue;
      const text = "text" in step && typeof step.text === "string" ? step.text : undefined;
      const shown = howShown(definition.capabilities, choices, text);
      if (shown === null) continue;
      warnings.push({
        path: `$.steps[${index}].choices`,
        message: `on ${definition.title}, these ${choices.length} choices are sent as numbered text: ${shown}`,
      });
    }
  });
  return warnings;
}

/**
 * Null when the channel shows the choices as buttons or a list; else why not. A templated text's
 * length is only known when it is rendered, so only a text without Liquid is measured.
 */
function howShown(
  caps: ChannelCapabilities,
  choices: ReadonlyArray<{ id: string; title: string }>,
  text: string | undefined,
): string | null {
  const known = text === undefined || /\{[{%]/.test(text) ? undefined : text;
  const [buttons, lists] = [
    choiceMisfit(caps.buttons, choices, known),
    choiceMisfit(caps.lists, choices, known),
  ];
  if (buttons === null || lists === null) return null;
  // A reason (the text, an id) says more than the size limits.
  for (const misfit of [buttons, lists]) if (misfit.kind === "reason") return misfit.reason;
  const limits = [
    caps.buttons ? `buttons take up to ${caps.buttons.max} of ≤ ${caps.buttons.titleMax} characters` : null,
    caps.lists ? `lists up to ${caps.lists.max} of ≤ ${caps.lists.titleMax} characters` : null,
  ].filter((x) => x !== null);
  return limits.length > 0 ? limits.join(", ") : "the channel has no buttons";
}

/**
 * A message text written out in full (no Liquid) longer than a triggering channel takes, with the
 * numbered choices it will carry there: the provider refuses it and the step fails at run time
 * (RCS: 3,072 characters). Every text the step sends is measured: its `text`, and a question's
 * `retryText` and reminders, which go out with the same choices. Counted in the channel's unit; a
 * templated text is only known when it is rendered.
 */
function textFitWarnings(
  step: Flow["steps"][number],
  index: number,
  types: readonly string[],
): Array<{ path: string; message: string }> {
  const choices = "choices" in step && Array.isArray(step.choices) ? step.choices : [];
  const warnings: Array<{ path: string; message: string }> = [];
  for (const { text: written, path } of sentTexts(step)) {
    if (/\{[{%]/.test(written)) continue;
    for (const type of types) {
      const definition = getChannelDefinition(type);
      const max = definition?.capabilities.maxTextLength;
      if (!definition || max === undefined) continue;
      // Choices the channel cannot show as buttons go in the text, one numbered line each: a menu of
      // 20 long titles on SMS came to 1,826 characters and every run failed at its first send.
      const isNumbered = choices.length > 0 && howShown(definition.capabilities, choices, written) !== null;
      if (isNumbered && choices.some((c) => /\{[{%]/.test(c.title))) continue;
      const text = isNumbered ? numberedChoices(written, choices) : written;
      // As the adapter counts: 400 Chinese characters are 1,200 bytes on Instagram, an emoji two on LINE.
      const unit = definition.capabilities.textUnit;
      const length =
        unit === "bytes"
          ? Buffer.byteLength(text, "utf8")
          : unit === "utf16"
            ? text.length
            : [...text].length;
      if (length <= max) continue;
      const what = isNumbered ? "this text with its numbered choices" : "this text";
      warnings.push({
        path: `$.steps[${index}].${path}`,
        message: `on ${definition.title}, ${what} (${length} ${unit === "bytes" ? "bytes" : "characters"}) is longer than the ${max} a message may have: the send fails; shorten it${isNumbered ? ", fewer or shorter choices," : ""} or split it into two steps`,
      });
    }
  }
  return warnings;
}

/** The texts a step sends, written in the flow, with their paths in the step. */
function sentTexts(step: Flow["steps"][number]): Array<{ text: string; path: string }> {
  const texts: Array<{ text: string; path: string }> = [];
  const fields = step as { text?: unknown; retryText?: unknown; reminders?: unknown };
  if (typeof fields.text === "string") texts.push({ text: fields.text, path: "text" });
  if (typeof fields.retryText === "string") texts.push({ text: fields.retryText, path: "retryText" });
  if (Array.isArray(fields.reminders))
    fields.reminders.forEach((reminder: { text?: unknown }, i) => {
      if (typeof reminder?.text === "string")
        texts.push({ text: reminder.text, path: `reminders[${i}].text` });
    });
  return texts;
}
