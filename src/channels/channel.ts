import type { z } from "zod";
import type { FetchLike } from "../core/fetch.js";

/**
 * The contract every channel adapter fulfils. Adapters know nothing about flows, storage or
 * HTTP servers: they turn a provider's raw request into normalized events and send messages.
 */

/** A raw webhook request as the server received it. `rawBody` is the exact bytes (signatures). */
export interface WebhookRequest {
  method: "GET" | "POST";
  /** Lower-case names; repeated headers joined by Node. */
  headers: Record<string, string | undefined>;
  /** The query string, decoded (WeChat signs `timestamp` + `nonce`; Meta's handshake uses it). */
  query: Record<string, string | undefined>;
  /**
   * The full URL the provider called, as configured in its console: Tern's public URL (TERN_PUBLIC_URL)
   * + path + query string exactly as received. Twilio and others sign it.
   */
  url: string;
  rawBody: Buffer;
}

/** What the server answers the provider: status, body and its content type (default text/plain). */
export interface WebhookAnswer {
  status: number;
  body: string;
  /** Default `text/plain; charset=utf-8`. WeChat wants `success` or XML, Twilio empty TwiML. */
  contentType?: string;
}

export type InboundContent =
  | { type: "text"; text: string }
  | {
      type: "choice";
      id: string;
      title: string;
      text: string;
      /**
       * 1-based position of the tapped button, when the provider names it by position instead of
       * by choice id (Telegram's `#n` callback_data): it, not `id`, says which choice was tapped.
       */
      index?: number;
    }
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
  /**
   * Another handle of the same person on this channel, given beside `from` (WhatsApp's
   * business-scoped user id `US.1349…` beside the wa_id): kept as one of the contact's identities,
   * so a later message that carries only it (a username user hiding their phone) finds the same
   * contact, their phone and history.
   */
  alias?: string;
  profileName?: string;
  /** Provider timestamp, ms since epoch. */
  timestamp: number;
  content: InboundContent;
  /** Provider message this one replies to, if any. */
  replyTo?: string;
  /**
   * The provider opted the sender out (or back in) on this message, whatever Tern's keyword list
   * says: Twilio blocks every later send after any of its opt-out words (error 21610). Acted on
   * like the STOP / START keywords (queue/global-keywords.ts).
   */
  optOut?: "stop" | "start";
  /**
   * A one-time handle to answer this very message with (LINE's `replyToken`: free, single-use,
   * lapses within about a minute). Used only by a channel set to (`repliesWithToken`).
   */
  replyToken?: string;
  /**
   * One part of a long SMS the provider hands over in pieces (Vonage's `concat-ref`, `concat-part`
   * of `concat-total`): the worker waits for all parts of `ref` from this sender and gives the
   * flow their texts joined in part order (queue/sms-parts.ts).
   */
  part?: { ref: string; index: number; count: number };
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

/**
 * Every message Tern sent to `recipient` before `watermark` (the provider's time) reached this
 * status, naming no message: Messenger's `message_reads`, and its deliveries without `mids`.
 */
export interface WatermarkEvent {
  kind: "watermark";
  status: "delivered" | "read";
  watermark: number;
  recipient: string;
  /** Names no message (read as undefined wherever events are listed). */
  providerMessageId?: undefined;
}

export type ChannelEvent = InboundMessage | StatusEvent | WatermarkEvent;

export interface OutboundMessage {
  to: string;
  text: string;
  /**
   * Optional choices. The adapter renders them as its channel can (quick-reply buttons, a list,
   * a keyboard) within `capabilities`; a channel without any gets numbered options in the text
   * (`numberedChoices`), and the core maps a reply of `1` or the title back to the choice.
   */
  choices?: Array<{ id: string; title: string }>;
  /** Optional media by public URL (kinds in `capabilities.media`); the text goes as its caption. */
  media?: { kind: "image" | "video" | "audio" | "document"; url: string; filename?: string };
  /** Echoed back in status events so an ambiguous send can be reconciled. */
  correlationId?: string;
  /**
   * The `replyToken` of the message this answers, still fresh (`repliesWithToken`): on a send's
   * first attempt only; the adapter answers with it instead of its push API.
   */
  replyToken?: string;
}

export interface SendResult {
  providerMessageId: string;
  /**
   * `unknown`: the provider may or may not have taken it, and it can neither be asked nor repeated
   * safely (a reply token is single-use): settled as sent-unknown, at most once.
   */
  outcome?: "unknown";
  /**
   * The address the provider knows the person by, when its answer names another than the one
   * sent to (WhatsApp's `contacts[].wa_id`: +52 55… answered 52155…, a Brazilian +55 11 9…
   * answered by the account's old 8 digits): their replies come from it.
   */
  recipient?: string;
}

/** The answer to a verification handshake (Meta's hub.challenge, WeChat's echostr). */
export type HandshakeResult = WebhookAnswer;

/**
 * What a channel's buttons or list take; choices beyond it go out as numbered text (the adapter
 * decides per message; `tern flows validate` warns from the same numbers).
 */
export interface ChoiceLimits {
  max: number;
  titleMax: number;
  /** Longest choice id the provider takes back (WhatsApp row ids: 200). */
  idMax?: number;
  /** Longest message text the buttons may come with (WhatsApp's interactive body: 1,024). */
  textMax?: number;
  /** Two choices may not share a title (WhatsApp reply buttons). */
  uniqueTitles?: boolean;
  /**
   * How the provider counts the length of a title or id; default code points (an emoji is one).
   * LINE and RCS count UTF-16 code units (an emoji is two).
   */
  length?: (value: string) => number;
}

/**
 * What a channel can do; the core and the editor read these instead of assuming WhatsApp.
 * Sources for each value are cited next to each adapter's definition.
 */
export interface ChannelCapabilities {
  /**
   * Status webhooks carry the OutboundMessage's correlationId back (WhatsApp:
   * biz_opaque_callback_data), so a send whose outcome is unknown can be settled; without it such
   * a send is not repeated (at-most-once, src/queue/README.md).
   */
  echoesCorrelation: boolean;
  /** The provider executes a repeated send with the same correlationId once (LINE X-Line-Retry-Key): an unknown outcome is sent again. */
  idempotentSends?: boolean;
  /** Longest text one message may carry, in `textUnit`s. */
  maxTextLength: number;
  /**
   * How the adapter counts `maxTextLength`: code points (default: an emoji is one), UTF-16 code
   * units (LINE, RCS, SMS: an emoji is two) or UTF-8 bytes (Instagram, WeChat: a CJK character is three).
   */
  textUnit?: "utf16" | "bytes";
  /** Quick-reply buttons: how many and how long a title; absent = none (numbered text instead). */
  buttons?: ChoiceLimits;
  /** A list / keyboard with more options than buttons allow; absent = none. */
  lists?: ChoiceLimits;
  /** Media kinds `send` accepts by URL. */
  media: ReadonlyArray<"image" | "video" | "audio" | "document">;
  /** Pre-approved templates exist (needed outside the reply window). */
  templates: boolean;
  /** Free-form replies only within this many hours of the customer's last message; absent = no window. */
  replyWindowHours?: number;
  /** What the provider still takes once that window has closed, for the error a flow's author reads. */
  afterReplyWindow?: string;
  /** The provider posts delivery statuses (sent / delivered / read / failed) for what Tern sent. */
  statuses: boolean;
  /** The provider's documented send rate for one account, messages per second. */
  sendRatePerSecond?: number;
  /**
   * How long the provider waits for the webhook answer before it counts a failure and retries
   * (LINE 2 s? WeChat 5 s). Tern always answers once the delivery is durable and replies later
   * through the send API, so this is documentation and a test bound, not a code path.
   */
  ackDeadlineMs?: number;
}

/** What `setup` did at the provider (Telegram setWebhook, Viber set_webhook), shown to the user. */
export interface SetupReport {
  ok: boolean;
  /** For a person: what was registered, or what went wrong and how to fix it. No secrets. */
  message: string;
  /** Provider's answer, secrets removed (e.g. Viber's event_types). */
  details?: Record<string, unknown>;
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
  /**
   * The address to send to for a phone number in E.164, when this channel reaches people by phone
   * (SMS): used by a send step's fallback. Absent = the E.164 number itself.
   */
  addressForPhone?(e164: string): string;
  /**
   * The channel reaches people by phone number, so an address is one (WhatsApp's wa_id digits,
   * an SMS number): a contact started by address alone gets it as their phone.
   */
  addressIsPhone?: boolean;
  /** Whether a value can be an address here: a trigger's `contact.address` is checked with it (400, not a failed run). */
  isAddress?(address: string): boolean;
  /** What an address looks like here, for that 400. */
  addressHint?: string;
  /**
   * The provider may deliver events by GET with the parameters in the query string (Vonage's SMS
   * API, when its Dashboard is set to GET): a GET that is not a handshake is then verified and
   * parsed like a POST, with an empty body.
   */
  acceptsGetDeliveries?: boolean;
  /**
   * The largest delivery this provider sends, when far below the server's 4 MiB (Meta's batches):
   * a larger body is refused 413 before `verify`. For providers that sign parsed parameters
   * (Twilio, Vonage) or a field of an XML document (WeChat's safe mode), `verify` must read the
   * whole body first, at a cost per byte hundreds of times an HMAC's: unbounded, a few unsigned
   * 4 MiB posts a second would hold the event loop for everyone.
   */
  maxWebhookBytes?: number;
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
   * Meta's webhook `object` this type's deliveries carry (`whatsapp_business_account`, `page`,
   * `instagram`). One Meta app posts every number, Page or account to one callback URL, which is
   * one channel's: a delivery to the URL of a channel since deleted is taken by a channel of this
   * type whose app secret verifies it, instead of 404s after which Meta disables the app's webhook.
   */
  webhookObject?: string;
  /**
   * The send rate this account's provider allows, when its config says so (a WhatsApp number Meta
   * upgraded to 1,000 messages/s); absent or undefined = `capabilities.sendRatePerSecond`.
   */
  sendRatePerSecond?(config: z.infer<Config>): number | undefined;
  /**
   * Whether the first send answering a message goes with that message's `replyToken` (received at
   * `receivedAt`, ms): this channel's config asks for it and the token is still fresh. Absent:
   * never (LINE only; docs/channels/line.md).
   */
  repliesWithToken?(config: z.infer<Config>, receivedAt: number, now: number): boolean;
  /** What the channel can do (buttons, lengths, media, windows, statuses). */
  capabilities: ChannelCapabilities;
  /**
   * The answer once a verified delivery is durable (default 200 `OK` text/plain). WeChat answers
   * `success`, Twilio an empty TwiML document. Pure; never a reply to the customer (those go
   * through `send`, after the flow ran).
   */
  acknowledge?(req: WebhookRequest, config: z.infer<Config>): WebhookAnswer;
  /**
   * Registers the webhook at the provider for channels that do it by API (Telegram setWebhook with
   * secret_token, Viber set_webhook). Called when the channel is created or its config changes,
   * and by `POST /api/v1/channels/:id/setup`; the report is returned to the user. Must not throw
   * for a provider refusal (report `ok: false` with the reason); may throw AppError for a bug.
   */
  setup?(input: { config: z.infer<Config>; webhookUrl: string; fetch: FetchLike }): Promise<SetupReport>;
  /**
   * Removes what `setup` registered, when the channel is deleted, and only while the provider
   * still points at this channel's `webhookUrl`. Reported like `setup`, never thrown for a refusal.
   */
  teardown?(input: { config: z.infer<Config>; webhookUrl: string; fetch: FetchLike }): Promise<SetupReport>;
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

/**
 * The text a channel without buttons sends for choices: the question, then one numbered line per
 * option ("1. Yes"). The ask step already maps a reply of `1`, the id or the title back.
 */
export function numberedChoices(text: string, choices: ReadonlyArray<{ title: string }>): string {
  if (choices.length === 0) return text;
  return `${text}\n\n${choices.map((c, i) => `${i + 1}. ${c.title}`).join("\n")}`;
}

/** Every event of a delivery, whatever account it was addressed to (tests and tools). */
export function allEvents(parsed: ParsedWebhook): ChannelEvent[] {
  return parsed.batches.flatMap((batch) => batch.events);
}
