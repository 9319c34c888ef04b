import pino, { type Logger } from "pino";

/**
 * Structured logs. Anything that could hold a secret is redacted by path, so a config or a
 * provider error logged by mistake still prints no token.
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
  "config.*Secret",
  "config.*Token",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: "[redacted]" } }, destination);
}
