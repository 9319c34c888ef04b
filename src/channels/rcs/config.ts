import { createPrivateKey } from "node:crypto";
import { z } from "zod";
import { isSecureUrl, SECURE_URL_RULE } from "../../core/secure-url.js";

const secureUrl = (what: string) =>
  z.url({ protocol: /^https?$/ }).refine((v) => isSecureUrl(v), { message: `${what} ${SECURE_URL_RULE}` });

function isPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === "rsa";
  } catch {
    return false;
  }
}

/**
 * The service account key file Google issues for the agent's project (Google Cloud console →
 * IAM → Service accounts → Keys → Add key → JSON), pasted as the JSON object or as its text.
 * Tern reads `client_email`, `private_key` and `token_uri`; the other fields are kept as given.
 */
export const ServiceAccountKey = z.preprocess(
  (value) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
  z
    .object({
      client_email: z.string().min(1),
      private_key: z.string().refine(isPrivateKey, {
        message: "private_key is not an RSA private key in PEM (copy it from the JSON key file)",
      }),
      token_uri: secureUrl("token_uri").default("https://oauth2.googleapis.com/token"),
      private_key_id: z.string().optional(),
    })
    .loose(),
);
export type ServiceAccountKey = z.infer<typeof ServiceAccountKey>;

/**
 * Configuration of one RCS Business Messaging ("RCS for Business") agent.
 * Where to find each value: docs/channels/rcs.md.
 */
export const RcsConfig = z.object({
  /** The agent's id (Business Communications Developer Console → agent → Agent information). */
  agentId: z.string().min(1),
  /** The service account key (JSON) of the agent's Google Cloud project. */
  serviceAccountKey: ServiceAccountKey,
  /** The webhook's client token (Integrations → Webhook): Google signs every event with it. */
  clientToken: z.string().min(1),
  /** RBM API host. The OAuth token goes there, so https (loopback excepted: the simulator). */
  apiBaseUrl: secureUrl("apiBaseUrl").default("https://rcsbusinessmessaging.googleapis.com"),
  /** Overrides the key file's `token_uri` (the simulator; a proxy). */
  tokenUrl: secureUrl("tokenUrl").optional(),
});
export type RcsConfig = z.infer<typeof RcsConfig>;

/** Fields encrypted at rest and never returned by the API. */
export const rcsSecretFields = ["serviceAccountKey", "clientToken"] as const;
