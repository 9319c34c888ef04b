/**
 * Documented limits of Programmable Messaging, shared by the adapter and the simulator.
 * Body: at most 1,600 characters (error 21617) — https://www.twilio.com/docs/api/errors/21617
 * Throughput: 1 message segment per second for a US long code, more for toll-free, short codes
 * and Messaging Services — https://help.twilio.com/articles/115002943027
 */
export const TwilioLimits = {
  bodyChars: 1600,
  longCodePerSecond: 1,
} as const;

/** An E.164 phone number, optionally as a WhatsApp address (`whatsapp:+…`). */
export const TWILIO_ADDRESS = /^(?:whatsapp:)?\+[1-9]\d{6,14}$/;
