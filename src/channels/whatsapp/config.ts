import { z } from "zod";
import { baseUrlField } from "../../core/secure-url.js";

/**
 * Configuration of one WhatsApp Business Cloud API channel (one business phone number).
 * Where to find each value in Meta's console is described in ./README.md.
 */
export const WhatsAppConfig = z.object({
  /** The business phone number's id (not the phone number itself): WhatsApp → API Setup. */
  phoneNumberId: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]+$/,
      "phoneNumberId is the numeric id shown under WhatsApp → API Setup, not the phone number",
    ),
  /** System-user access token with whatsapp_business_messaging permission. */
  accessToken: z.string().min(1),
  /** Meta App Secret (App settings → Basic). Keys the X-Hub-Signature-256 HMAC. */
  appSecret: z.string().min(1),
  /** Any string you choose; Meta echoes it in the GET verification handshake. */
  verifyToken: z.string().min(1),
  /** Graph API host. The access token goes there, so https (loopback excepted: the simulator). */
  apiBaseUrl: baseUrlField("apiBaseUrl", { versionSetting: "apiVersion" }).default(
    "https://graph.facebook.com",
  ),
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'apiVersion looks like "v23.0"')
    .default("v23.0"),
  /**
   * Messages per second Meta lets this number send: 80 by default, 1,000 once Meta upgraded the
   * number (WhatsApp Manager shows its throughput). Tern paces its sends per process to this.
   */
  sendRatePerSecond: z.number().int().min(1).max(1_000).default(80),
});
export type WhatsAppConfig = z.infer<typeof WhatsAppConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const whatsappSecretFields = ["accessToken", "appSecret", "verifyToken"] as const;
