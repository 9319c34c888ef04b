import type { ChoiceLimits } from "../channel.js";

/**
 * Documented limits of the RBM API, shared by the adapter and the simulator.
 * AgentContentMessage.text: at most 3,072 characters; `suggestions`: at most 11;
 * SuggestedReply.text: at most 25 characters, postbackData: at most 2,048 characters.
 * Rich card description: at most 2,000 characters (#cardcontent).
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages#AgentContentMessage
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages#suggestedreply
 */
export const RcsLimits = {
  textChars: 3072,
  /** CardContent.description: at most 2,000 characters (the text of a rich card). */
  cardDescriptionChars: 2000,
  suggestions: 11,
  suggestionTextChars: 25,
  postbackDataChars: 2048,
} as const;

/**
 * Suggested replies as the channel's capabilities state them (adapter and validator); text and
 * postback data counted in UTF-16 code units, as the API's string lengths.
 */
export const RcsSuggestions = {
  max: RcsLimits.suggestions,
  titleMax: RcsLimits.suggestionTextChars,
  idMax: RcsLimits.postbackDataChars,
  length: (value: string) => value.length,
} as const satisfies ChoiceLimits;

/** The OAuth scope of the RBM API. */
export const RBM_SCOPE = "https://www.googleapis.com/auth/rcsbusinessmessaging";

export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** Returned in `AppError.details.providerCode` when the phone cannot receive RCS (send 404). */
export const NOT_RCS_CAPABLE = "NOT_RCS_CAPABLE";

/**
 * An agent id without the `@rbm.goog` domain. Google's pages show the id only as a placeholder
 * (`AGENT_ID`); agents and events in the wild carry it with the domain (`xyz_agent@rbm.goog`) or
 * without, and a channel configured one way must still own events written the other.
 */
export function bareAgentId(agentId: string): string {
  return agentId.replace(/@rbm\.goog$/i, "");
}
