import type { ChannelCapabilities } from "../channels/channel.js";
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
    const choices = "choices" in step && Array.isArray(step.choices) ? step.choices : [];
    if (choices.length === 0) return;
    for (const type of types) {
      const definition = getChannelDefinition(type);
      if (!definition) continue;
      const shown = howShown(definition.capabilities, choices);
      if (shown === null) continue;
      warnings.push({
        path: `$.steps[${index}].choices`,
        message: `on ${definition.title}, these ${choices.length} choices are sent as numbered text: ${shown}`,
      });
    }
  });
  return warnings;
}

/** Null when the channel shows the choices as buttons or a list; else why not. */
function howShown(caps: ChannelCapabilities, choices: ReadonlyArray<{ title: string }>): string | null {
  const longest = Math.max(...choices.map((c) => [...c.title].length));
  const fits = (limit: { max: number; titleMax: number } | undefined) =>
    limit !== undefined && choices.length <= limit.max && longest <= limit.titleMax;
  if (fits(caps.buttons) || fits(caps.lists)) return null;
  const limits = [
    caps.buttons ? `buttons take up to ${caps.buttons.max} of ≤ ${caps.buttons.titleMax} characters` : null,
    caps.lists ? `lists up to ${caps.lists.max} of ≤ ${caps.lists.titleMax} characters` : null,
  ].filter((x) => x !== null);
  return limits.length > 0 ? limits.join(", ") : "the channel has no buttons";
}
