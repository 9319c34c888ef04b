import { z } from "zod";
import { baseUrlField } from "../../core/secure-url.js";

/**
 * How Vonage signs webhooks, as chosen in the Dashboard (API settings → Signed webhooks):
 * `md5hash` = MD5 of the string + secret (the Dashboard's default), the others HMAC keyed with
 * the signature secret. https://developer.vonage.com/en/getting-started/concepts/signing-messages
 */
export const VonageSignatureMethod = z.enum(["md5hash", "md5", "sha1", "sha256", "sha512"]);
export type VonageSignatureMethod = z.infer<typeof VonageSignatureMethod>;

/**
 * Configuration of one Vonage SMS API number (legacy SMS API, account-level webhooks).
 * Where to find each value in the Vonage Dashboard: docs/channels/vonage.md.
 */
export const VonageConfig = z.object({
  /** Dashboard → API key (8 characters). Sent as `api_key`; webhooks carry it as `api-key`. */
  apiKey: z.string().min(1),
  /** Dashboard → API secret. Sent as `api_secret` with each message. */
  apiSecret: z.string().min(1),
  /** Dashboard → API settings → Signature secret. Keys the `sig` of every webhook. */
  signatureSecret: z.string().min(1),
  /**
   * The signature method chosen in the Dashboard. Absent: the method is told by the signature's
   * length (32 hex digits: MD5 hash or HMAC-MD5, 40: SHA-1, 64: SHA-256, 128: SHA-512).
   */
  signatureMethod: VonageSignatureMethod.optional(),
  /** The virtual number (digits, E.164 without "+") or alphanumeric sender id Tern sends from. */
  from: z
    .string()
    .regex(
      /^(?:\+?[1-9]\d{6,14}|[A-Za-z0-9 ]{1,11})$/,
      "from is a number (447700900000) or a sender id of up to 11 letters and digits",
    ),
  /** SMS API host. The API secret goes there, so https (loopback excepted: the simulator). */
  apiBaseUrl: baseUrlField("apiBaseUrl").default("https://rest.nexmo.com"),
});
export type VonageConfig = z.infer<typeof VonageConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const vonageSecretFields = ["apiSecret", "signatureSecret"] as const;
