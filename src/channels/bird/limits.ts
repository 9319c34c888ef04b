/**
 * Limits used by the adapter and the simulator.
 * Bird's channels API does not publish a maximum text length for SMS; 1,600 characters (about
 * ten concatenated segments, the common carrier ceiling, and Twilio's documented limit) keeps a
 * message deliverable as one SMS thread. An assumption, stated in docs/channels/bird.md.
 */
export const BirdLimits = { textChars: 1600 } as const;

/** A phone number in E.164, as Bird's SMS receiver `identifierValue` wants it. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
