import type { z } from "zod";
import type { FetchLike } from "../core/fetch.js";

/**
 * The contract every channel adapter fulfils. Adapters know nothing about flows, storage or
 * HTTP servers: they turn a provider's raw request into normalized events and send messages.
 */

/** A raw webhook request as the server received it. `rawBody` is the exact bytes (signatures). */
export interface WebhookRequest {
  method: "GET" | "POST";
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  rawBody: Buffer;
}

export type InboundContent =
  | { type: "text"; text: string }
  | { type: "choice"; id: string; title: string; text: string }
  | {
      type: "media";
      mediaType: "image" | "video" | "audio" | "document" | "sticker";
      mediaId: string;
      mimeType?: string;
      caption?: string;
      text: string;
    }
  | { type: "location"; latitude: number; longitude: number; name?: string; address?: string; text: string }
  | { type: "unsupported"; providerType: string; text: string };

/** One customer message, normalized. `text` on every content kind is what a flow sees as the reply. */
export interface InboundMessage {
  kind: "message";
  /** Provider's message id: the dedupe key together with the channel id. */
  providerMessageId: string;
  /** Stable id of the customer on this channel (WhatsApp: wa_id or the business-scoped user id). */
  from: string;
  /** E.164 phone number when the channel reveals one, e.g. "+16315551181". */
  phone?: string;
  profileName?: string;
  /** Provider timestamp, ms since epoch. */
  timestamp: number;
  content: InboundContent;
  /** Provider message this one replies to, if any. */
  replyTo?: string;
}

/** Delivery status of a message Tern sent. */
export interface StatusEvent {
  kind: "status";
  providerMessageId: string;
  status: "sent" | "delivered" | "read" | "failed";
  timestamp: number;
  recipient: string;
  /** Echo of the correlation data Tern attached when sending (WhatsApp: biz_opaque_callback_data). */
  correlationId?: string;
  errors?: Array<{ code: number | string; title: string; message?: string }>;
}

export type ChannelEvent = InboundMessage | StatusEvent;

export interface OutboundMessage {
  to: string;
  text: string;
  /** Optional reply buttons (adapters degrade to text where unsupported). */
  choices?: Array<{ id: string; title: string }>;
  /** Echoed back in status events so an ambiguous send can be reconciled. */
  correlationId?: string;
}

export interface SendResult {
  providerMessageId: string;
}

export interface HandshakeResult {
  status: number;
  body: string;
}

/** An item of a delivery that could not be read; kept for inspection, never processed. */
export interface RejectedItem {
  /** JSON path of the item inside the delivery, e.g. `entry[0].changes[1].value.messages[2]`. */
  path: string;
  /** Why it was rejected, for a person. Never contains message text or phone numbers. */
  reason: string;
  /** The item exactly as received. */
  item: unknown;
}

/**
 * The events of a delivery that were addressed to one provider account (WhatsApp: one
 * `metadata.phone_number_id`). One app can post every account's events to one URL, so the
 * server routes each batch to the channel that owns its account.
 */
export interface WebhookBatch {
  /** The account the provider addressed these events to; undefined when the payload does not say. */
  account: string | undefined;
  /** Where the batch sits in the delivery, and the raw part, to record it when no channel owns it. */
  path: string;
  raw: unknown;
  events: ChannelEvent[];
  /** Items of this batch that did not parse. */
  rejected: RejectedItem[];
}

/**
 * A parsed delivery. Providers batch many items in one request and redeliver the whole request
 * when it is refused, so one bad item must not refuse the others: it is returned in `rejected`.
 */
export interface ParsedWebhook {
  batches: WebhookBatch[];
  /** Items that did not parse at a level where no account is known (e.g. a malformed entry). */
  rejected: RejectedItem[];
}

export interface ChannelDefinition<Config extends z.ZodType = z.ZodType> {
  /** Persisted identifier, e.g. "whatsapp". Never changes. */
  type: string;
  title: string;
  /** Provider config; secrets listed in `secretFields` are encrypted at rest and never returned. */
  config: Config;
  secretFields: ReadonlyArray<string>;
  /**
   * GET verification handshake (e.g. Meta's hub.challenge). Returns null when not a handshake;
   * throws AppError CHANNEL_VERIFY_TOKEN_INVALID (403) when it is one with the wrong token.
   */
  handshake?(req: WebhookRequest, config: z.infer<Config>): HandshakeResult | null;
  /** Throws AppError CHANNEL_SIGNATURE_INVALID when the request is not authentic. Pure. */
  verify(req: WebhookRequest, config: z.infer<Config>): void;
  /**
   * Throws AppError CHANNEL_PAYLOAD_INVALID only when the body as a whole is not a delivery of
   * this provider (not JSON, wrong envelope); an item that does not parse is returned in
   * `rejected` and the rest of the delivery is kept. Pure.
   */
  parse(req: WebhookRequest, config: z.infer<Config>): ParsedWebhook;
  /**
   * The provider account a config owns (WhatsApp: `phoneNumberId`), matched against
   * `WebhookBatch.account`. Absent when the provider posts each account to its own URL.
   */
  account?(config: z.infer<Config>): string;
  /**
   * What the provider does that the core relies on. `echoesCorrelation`: status webhooks carry
   * the OutboundMessage's correlationId back (WhatsApp: biz_opaque_callback_data), so a send
   * whose outcome is unknown can be settled; without it such a send is not repeated
   * (at-most-once, src/queue/README.md). Absent: echoes nothing.
   */
  capabilities?: { echoesCorrelation: boolean };
  /**
   * Sends one message; throws AppError CHANNEL_SEND_FAILED with a retry hint on failure, and
   * `details.outcome: "unknown"` when the provider may have accepted it (timeout, cut connection).
   */
  send(message: OutboundMessage, config: z.infer<Config>, deps: { fetch: FetchLike }): Promise<SendResult>;
}

export function defineChannel<Config extends z.ZodType>(
  spec: ChannelDefinition<Config>,
): ChannelDefinition<Config> {
  return spec;
}

/** Every event of a delivery, whatever account it was addressed to (tests and tools). */
export function allEvents(parsed: ParsedWebhook): ChannelEvent[] {
  return parsed.batches.flatMap((batch) => batch.events);
}
