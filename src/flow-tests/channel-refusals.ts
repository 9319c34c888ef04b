import { type ChannelDefinition, numberedChoices } from "../channels/channel.js";
import { choiceMisfit } from "../channels/choice-fit.js";
import { AppError } from "../core/app-error.js";
import type { OutboundMessageSpec } from "../flows/runtime.js";

/**
 * What the channel's adapter refuses before anything leaves: a message with no text, or a longer
 * one than the channel takes (each adapter's `send` checks the body it builds and fails the step
 * with CHANNEL_SEND_FAILED). A test case has no adapter, so the channel's declared capabilities
 * stand in for it: choices that fit its buttons or list go beside the text, others as numbered
 * lines in it (`numberedChoices`), and the length is counted in the channel's `textUnit`.
 */
export function refusedByChannel(
  definition: ChannelDefinition,
  message: Pick<OutboundMessageSpec, "text" | "choices">,
): AppError | null {
  const caps = definition.capabilities;
  const choices = message.choices ?? [];
  const besideText =
    choices.length > 0 &&
    (choiceMisfit(caps.buttons, choices, message.text) === null ||
      choiceMisfit(caps.lists, choices, message.text) === null);
  const body = besideText ? message.text : numberedChoices(message.text, choices);
  if (body.trim().length === 0) return sendFailed(`Cannot send an empty ${definition.title} message.`);
  const unit = caps.textUnit === "bytes" ? "bytes" : "characters";
  const length =
    caps.textUnit === "bytes"
      ? Buffer.byteLength(body, "utf8")
      : caps.textUnit === "utf16"
        ? body.length
        : [...body].length;
  if (length <= caps.maxTextLength) return null;
  return sendFailed(
    `The message is ${length} ${unit}; ${definition.title} allows ${caps.maxTextLength}. Shorten it.`,
  );
}

function sendFailed(message: string): AppError {
  return new AppError("CHANNEL_SEND_FAILED", message, { retry: "never" });
}
