import type { ChoiceLimits } from "../channel.js";

/**
 * Documented limits of the REST Bot API, shared by the adapter and the simulator.
 * Message data model (text 7000, picture text 768, sender.name 28, tracking_data 4000, 30 KB):
 * https://github.com/Viber/creators-hub docs/bots-api/data-models/message.md
 * (= https://creators.viber.com/docs/bots-api/data-models/message)
 */
export const ViberLimits = {
  textChars: 7000,
  pictureTextChars: 768,
  senderNameChars: 28,
  trackingDataChars: 4000,
  requestBytes: 30 * 1024,
  /** Tern's own cap on keyboard buttons (the message size limit, 30 KB, is the documented bound). */
  maxButtons: 24,
} as const;

/**
 * Reply buttons as the channel's capabilities state them (adapter and validator): more, or a
 * title Viber would not show, go as numbered text. Button `Text`: at most 250 characters (keyboards.md).
 */
export const ViberButtons = { max: ViberLimits.maxButtons, titleMax: 250 } as const satisfies ChoiceLimits;

export function charLength(value: string): number {
  return [...value].length;
}
