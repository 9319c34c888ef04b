import pino, { type Logger } from "pino";

/**
 * Structured logs. Anything that could hold a secret is redacted by path, so a config or a
 * provider error logged by mistake still prints no token. Customers' words and phone numbers
 * stay out too: log ids (run, contact, message) and `maskAddress` the rest. Errors go under
 * `err` as thrown: pino's serializer keeps their stack and the stacks of their causes.
 */
const REDACT = [
  "*.accessToken",
  "*.refreshToken",
  "*.clientSecret",
  "*.appSecret",
  "*.verifyToken",
  "*.access_token",
  "*.refresh_token",
  "*.client_secret",
  "*.authorization",
  "req.headers.authorization",
  "*.cookie",
  "*.password",
  "req.headers.cookie",
  "config.TERN_ADMIN_PASSWORD",
  "config.*Secret",
  "config.*Token",
  // Customer content, should a message or contact ever be logged whole.
  "text",
  "*.text",
  "phone",
  "*.phone",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: "[redacted]" } }, destination);
}

const MASK = "•••";

/**
 * A customer's address (phone number, or a provider's user id) as logs show it: the first and
 * last two characters, enough to tell conversations apart, not to call anyone.
 * `15551234567` → `15•••67`.
 */
export function maskAddress(address: string): string {
  return address.length <= 6 ? MASK : `${address.slice(0, 2)}${MASK}${address.slice(-2)}`;
}

/** A conversation key (`channelId:address`) with the address masked. */
export function maskConversationKey(key: string): string {
  const at = key.indexOf(":");
  return at === -1 ? maskAddress(key) : `${key.slice(0, at)}:${maskAddress(key.slice(at + 1))}`;
}
