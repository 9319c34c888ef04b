import { z } from "zod";
import { baseUrlField } from "../../core/secure-url.js";

/**
 * Configuration of one Twilio sender (a phone number, a WhatsApp sender or a Messaging Service).
 * Where to find each value in the Twilio Console: docs/channels/twilio.md.
 */
export const TwilioConfig = z.object({
  /** Console → Account info → Account SID: `AC` + 32 hex digits. Also the Basic auth user. */
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "accountSid is AC followed by 32 hex digits"),
  /** Console → Account info → Auth Token. Keys X-Twilio-Signature and is the Basic auth password. */
  authToken: z.string().min(1),
  /**
   * Who sends: an E.164 number (`+14155550100`), a WhatsApp sender (`whatsapp:+14155550100`), a
   * Messaging Service SID (`MG` + 32 hex digits, sent as `MessagingServiceSid`) or an alphanumeric
   * sender id (one-way: customers cannot answer it).
   * https://help.twilio.com/articles/223133767-International-support-for-Alphanumeric-Sender-ID
   */
  from: z
    .string()
    .regex(
      /^(?:(?:whatsapp:)?\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32}|(?=[A-Za-z0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11})$/,
      "from is an E.164 number (+14155550100), whatsapp:+…, a Messaging Service SID (MG…) or an alphanumeric sender id (up to 11 letters, digits and spaces)",
    ),
  /** REST API host. Credentials go there, so https (loopback excepted: the simulator). */
  apiBaseUrl: baseUrlField("apiBaseUrl").default("https://api.twilio.com"),
  /**
   * The webhook URL exactly as entered in the Twilio Console, when Tern sits behind a proxy that
   * changes scheme, host or port: Twilio signs that URL, not the one Tern sees. Also sent as the
   * StatusCallback of each message so delivery statuses come back to this channel.
   */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
});
export type TwilioConfig = z.infer<typeof TwilioConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const twilioSecretFields = ["authToken"] as const;

/** A Messaging Service SID goes in `MessagingServiceSid`, anything else in `From`. */
export function isMessagingService(from: string): boolean {
  return from.startsWith("MG");
}
