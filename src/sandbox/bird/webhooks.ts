import { createHash, createHmac, randomUUID } from "node:crypto";
import { computeBirdSignature } from "../../channels/bird/verify.js";

/**
 * Webhook bodies as Bird's channels API posts them (`{service, event, payload}`) and both of its
 * signature schemes.
 * https://docs.bird.com/api/channels-api/supported-channels/programmable-sms/receiving-messages
 * https://docs.bird.com/api/notifications-api/api-reference/webhook-subscriptions/verifying-a-webhook-subscription
 */
export function smsInboundBody(input: {
  id: string;
  channelId: string;
  from: string;
  to: string;
  text: string;
  at?: Date;
}): string {
  const at = (input.at ?? new Date()).toISOString();
  return JSON.stringify({
    service: "channels",
    event: "sms.inbound",
    payload: {
      id: input.id,
      channelId: input.channelId,
      sender: { contact: { id: randomUUID(), identifierKey: "phonenumber", identifierValue: input.from } },
      receiver: { connector: { id: randomUUID(), identifierValue: input.to } },
      body: { type: "text", text: { text: input.text } },
      status: "delivered",
      direction: "incoming",
      lastStatusAt: at,
      createdAt: at,
      updatedAt: at,
    },
  });
}

/** An `sms.outbound` status event for a message Tern sent (the message object as Bird keeps it). */
export function smsOutboundBody(input: {
  message: Record<string, unknown>;
  status: "sent" | "delivered" | "sending_failed" | "delivery_failed";
  failure?: { code: number; description: string };
  at?: Date;
}): string {
  const at = (input.at ?? new Date()).toISOString();
  return JSON.stringify({
    service: "channels",
    event: "sms.outbound",
    payload: {
      ...input.message,
      status: input.status,
      ...(input.failure ? { reason: input.failure.description, failure: input.failure } : {}),
      lastStatusAt: at,
      updatedAt: at,
    },
  });
}

/** The headers of Bird's HMAC scheme for `body` posted to `url`. */
export function signBirdRequest(input: {
  signingKey: string;
  url: string;
  body: string;
  timestamp?: string;
}): Record<string, string> {
  const timestamp = input.timestamp ?? String(Math.floor(Date.now() / 1000));
  return {
    "content-type": "application/json",
    "messagebird-signature": computeBirdSignature({ ...input, timestamp }),
    "messagebird-request-timestamp": timestamp,
  };
}

/** The legacy `MessageBird-Signature-JWT` header (HS256), as MessageBird signed webhooks. */
export function signMessageBirdJwt(input: {
  signingKey: string;
  url: string;
  body: string;
  nowSeconds?: number;
}): Record<string, string> {
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const sha = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const header = segment({ alg: "HS256", typ: "JWT" });
  const claims = segment({
    iss: "MessageBird",
    nbf: now,
    exp: now + 60,
    jti: randomUUID(),
    url_hash: sha(input.url),
    ...(input.body.length > 0 ? { payload_hash: sha(input.body) } : {}),
  });
  const signature = createHmac("sha256", input.signingKey).update(`${header}.${claims}`).digest("base64url");
  return {
    "content-type": "application/json",
    "messagebird-signature-jwt": `${header}.${claims}.${signature}`,
  };
}

export { phoneOf } from "../phone.js";
