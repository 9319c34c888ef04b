import type { ChoiceLimits } from "../channel.js";

/**
 * Documented limits of the Cloud API messages endpoint, shared by the adapter and the simulator.
 * Text: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#text-object
 * Reply buttons: https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages
 * Lists: https://developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-list-messages
 */
export const WhatsAppLimits = {
  textBodyChars: 4096,
  interactiveBodyChars: 1024,
  maxButtons: 3,
  buttonTitleChars: 20,
  buttonIdChars: 256,
  maxListRows: 10,
  maxListSections: 10,
  listButtonChars: 20,
  rowTitleChars: 24,
  rowIdChars: 200,
  rowDescriptionChars: 72,
  sectionTitleChars: 24,
  /** Meta's SDK documents biz_opaque_callback_data as "an arbitrary 256B string". */
  callbackDataBytes: 256,
} as const;

/** Reply buttons and list rows as the channel's capabilities state them (adapter and validator). */
export const WhatsAppChoices = {
  buttons: {
    max: WhatsAppLimits.maxButtons,
    titleMax: WhatsAppLimits.buttonTitleChars,
    idMax: WhatsAppLimits.buttonIdChars,
    textMax: WhatsAppLimits.interactiveBodyChars,
    uniqueTitles: true,
  },
  lists: {
    max: WhatsAppLimits.maxListRows,
    titleMax: WhatsAppLimits.rowTitleChars,
    idMax: WhatsAppLimits.rowIdChars,
    textMax: WhatsAppLimits.interactiveBodyChars,
  },
} as const satisfies Record<"buttons" | "lists", ChoiceLimits>;

/** Meta counts characters, not UTF-16 code units: an emoji is one character. */
export function charLength(value: string): number {
  return [...value].length;
}

/** Business-scoped user id, e.g. "US.13491208655302741918": country code, dot, alphanumerics. */
export const BSUID_PATTERN = /^[A-Z]{2}\.[A-Za-z0-9]+$/;
