import { createHmac, randomInt } from "node:crypto";

/**
 * The customer's side of Viber: callbacks as Viber posts them, signed with
 * `X-Viber-Content-Signature` (hex HMAC-SHA256 of the body keyed with the auth token), with
 * `message_token` written as the bare int64 JSON number Viber sends.
 * https://github.com/Viber/creators-hub docs/bots-api/events/user-message-received.md
 */

/** Message tokens: int64 values above 2^53, like the documented 4912661846655238145. */
export function createTokens(
  start = 5_491_478_493_491_459_001n + BigInt(randomInt(0, 1_000_000) * 1_000),
): () => bigint {
  let next = start;
  return () => next++;
}

/**
 * JSON with `message_token` as a bare number of any size: JSON.stringify cannot write a BigInt,
 * so a placeholder string is swapped for the digits.
 */
export function jsonWithToken(body: Record<string, unknown>, token: bigint | string): string {
  const digits = String(token);
  if (!/^\d{1,20}$/.test(digits)) throw new Error(`message_token must be digits, got ${digits}`);
  return JSON.stringify({ ...body, message_token: "\u0000token\u0000" }).replace(
    '"\\u0000token\\u0000"',
    digits,
  );
}

export function messageCallback(
  sender: { id: string; name?: string },
  message: Record<string, unknown>,
  token: bigint | string,
  timestamp = Date.now(),
): string {
  return jsonWithToken(
    {
      event: "message",
      timestamp,
      chat_hostname: "SN-CHAT-01_",
      sender: {
        id: sender.id,
        name: sender.name ?? "Test Customer",
        language: "en",
        country: "GB",
        api_version: 10,
      },
      message,
      silent: false,
    },
    token,
  );
}

/** The callback check set_webhook triggers (web-hooks.md). */
export function webhookCheckCallback(token: bigint): string {
  return jsonWithToken({ event: "webhook", timestamp: Date.now(), chat_hostname: "SN-CHAT-01_" }, token);
}

export function signBody(body: string, authToken: string): string {
  return createHmac("sha256", authToken).update(body).digest("hex");
}

export function callbackHeaders(body: string, authToken: string): Record<string, string> {
  return { "content-type": "application/json", "x-viber-content-signature": signBody(body, authToken) };
}
