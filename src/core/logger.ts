import pino, { type Logger } from "pino";
import { systemClock } from "./clock.js";
import { createLogThrottle } from "./log-throttle.js";

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

export interface LoggerOptions {
  /**
   * Errors that repeat by the hundred while they last and say the same each time (the database
   * being down: every conversation's retry, every poll). A warn or error line whose `err` is one
   * of them is written once a minute per message, with `suppressed`: the lines skipped since.
   */
  isOutage?: (err: unknown) => boolean;
}

export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  options: LoggerOptions = {},
): Logger {
  const { isOutage } = options;
  const throttle = createLogThrottle(systemClock);
  return pino(
    {
      level,
      redact: { paths: REDACT, censor: "[redacted]" },
      ...(isOutage && {
        hooks: {
          logMethod(args, method, levelValue) {
            const [fields, message] = args as unknown[];
            const isRepeat =
              levelValue >= WARN &&
              typeof message === "string" &&
              typeof fields === "object" &&
              fields !== null &&
              isOutage((fields as { err?: unknown }).err);
            if (!isRepeat) return method.apply(this, args);
            // Keyed without numbers: graphile-worker's "trying again in 105ms" grows at each retry.
            const suppressed = throttle.allow(message.replace(/\d+/g, "#"));
            if (suppressed === null) return;
            return method.apply(this, [{ ...(fields as object), suppressed }, message]);
          },
        },
      }),
    },
    destination,
  );
}

/** pino's level number of `warn`. */
const WARN = 40;

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
