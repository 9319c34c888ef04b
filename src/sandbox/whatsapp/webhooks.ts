import { createHmac, randomBytes } from "node:crypto";

/**
 * The customer's side of WhatsApp: webhook bodies in Meta's envelope, signed the way Meta signs
 * them. Tests, benchmarks and `tern demo` use these to play the end user.
 * Envelope: https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components
 */

export const DEFAULT_PHONE_NUMBER_ID = "106540352242922";
export const DEFAULT_DISPLAY_PHONE_NUMBER = "15550783881";
export const DEFAULT_WABA_ID = "102290129340398";

const BSUID = /^[A-Z]{2}\.[A-Za-z0-9]+$/;

export type WebhookBody = {
  object: "whatsapp_business_account";
  entry: Array<{ id: string; changes: Array<{ field: "messages"; value: Record<string, unknown> }> }>;
};

export interface CustomerOptions {
  /** wa_id (phone digits, "+" allowed) or a business-scoped user id such as "US.1349…" (phone hidden). */
  from: string;
  /** Message id; a fresh wamid by default. */
  id?: string;
  /** Profile name shown in contacts[]. */
  name?: string;
  /** Send time, ms since epoch (Meta sends seconds; converted). Defaults to now. */
  timestamp?: number;
  phoneNumberId?: string;
  /** Message this one replies to (context.id). */
  replyTo?: string;
  /**
   * With a wa_id in `from`: the person's business-scoped user id, sent beside it as Meta does
   * since usernames (contacts[].user_id, messages[].from_user_id).
   */
  userId?: string;
}

export function newWamid(): string {
  // Real ids are "wamid." + base64 of a protobuf-ish blob; only the prefix and charset matter here.
  return `wamid.HBgL${randomBytes(24).toString("base64url")}`;
}

function toSeconds(ms: number | undefined): string {
  return String(Math.floor((ms ?? Date.now()) / 1000));
}

function envelope(value: Record<string, unknown>, phoneNumberId?: string): WebhookBody {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: DEFAULT_WABA_ID,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: {
                display_phone_number: DEFAULT_DISPLAY_PHONE_NUMBER,
                phone_number_id: phoneNumberId ?? DEFAULT_PHONE_NUMBER_ID,
              },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

function messageWebhook(
  options: CustomerOptions,
  type: string,
  content: Record<string, unknown>,
): WebhookBody {
  const isBsuid = BSUID.test(options.from);
  const waId = isBsuid ? undefined : options.from.replace(/^\+/, "");
  const userId = isBsuid ? options.from : options.userId;
  const contact = {
    profile: { name: options.name ?? "Test Customer" },
    ...(waId ? { wa_id: waId } : {}),
    ...(userId ? { user_id: userId } : {}),
  };
  const message = {
    ...(waId ? { from: waId } : {}),
    ...(userId ? { from_user_id: userId } : {}),
    id: options.id ?? newWamid(),
    timestamp: toSeconds(options.timestamp),
    ...(options.replyTo ? { context: { from: DEFAULT_DISPLAY_PHONE_NUMBER, id: options.replyTo } } : {}),
    type,
    ...content,
  };
  return envelope({ contacts: [contact], messages: [message] }, options.phoneNumberId);
}

export function buildTextWebhook(options: CustomerOptions & { text: string }): WebhookBody {
  return messageWebhook(options, "text", { text: { body: options.text } });
}

/** Tap on a reply button (`kind: "button"`, default) or a list row (`kind: "list"`). */
export function buildInteractiveReplyWebhook(
  options: CustomerOptions & {
    choiceId: string;
    title: string;
    kind?: "button" | "list";
    description?: string;
  },
): WebhookBody {
  const kind = options.kind ?? "button";
  const reply =
    kind === "list"
      ? {
          id: options.choiceId,
          title: options.title,
          ...(options.description ? { description: options.description } : {}),
        }
      : { id: options.choiceId, title: options.title };
  return messageWebhook(options, "interactive", {
    interactive:
      kind === "list"
        ? { type: "list_reply", list_reply: reply }
        : { type: "button_reply", button_reply: reply },
  });
}

/** Quick-reply button on a template message: arrives as `type:"button"`. */
export function buildTemplateButtonWebhook(
  options: CustomerOptions & { payload: string; text: string },
): WebhookBody {
  return messageWebhook(options, "button", { button: { payload: options.payload, text: options.text } });
}

export function buildMediaWebhook(
  options: CustomerOptions & {
    mediaType: "image" | "video" | "audio" | "document" | "sticker";
    mediaId?: string;
    mimeType?: string;
    caption?: string;
  },
): WebhookBody {
  const media = {
    id: options.mediaId ?? String(1_000_000_000_000_000 + Math.floor(Math.random() * 1e15)),
    mime_type: options.mimeType ?? defaultMime[options.mediaType],
    sha256: randomBytes(32).toString("hex"),
    ...(options.caption ? { caption: options.caption } : {}),
  };
  return messageWebhook(options, options.mediaType, { [options.mediaType]: media });
}

const defaultMime = {
  image: "image/jpeg",
  video: "video/mp4",
  audio: "audio/ogg; codecs=opus",
  document: "application/pdf",
  sticker: "image/webp",
} as const;

export function buildLocationWebhook(
  options: CustomerOptions & { latitude: number; longitude: number; locationName?: string; address?: string },
): WebhookBody {
  return messageWebhook(options, "location", {
    location: {
      latitude: options.latitude,
      longitude: options.longitude,
      ...(options.locationName ? { name: options.locationName } : {}),
      ...(options.address ? { address: options.address } : {}),
    },
  });
}

export interface StatusOptions {
  /** wamid of the message Tern sent. */
  messageId: string;
  status: "sent" | "delivered" | "read" | "failed";
  /** wa_id or business-scoped user id of the customer. */
  recipient: string;
  /** Echo of biz_opaque_callback_data. */
  correlationId?: string;
  /** ms since epoch; defaults to now. */
  timestamp?: number;
  errors?: Array<{ code: number; title: string; message?: string; details?: string }>;
  phoneNumberId?: string;
}

/** A statuses[] webhook, as in whatsapp-api-js test/payloads/v25/{sent,delivered,read}.json. */
export function buildStatusWebhook(options: StatusOptions): WebhookBody {
  const isBsuid = BSUID.test(options.recipient);
  const status = {
    id: options.messageId,
    status: options.status,
    timestamp: toSeconds(options.timestamp),
    ...(isBsuid
      ? { recipient_user_id: options.recipient }
      : { recipient_id: options.recipient.replace(/^\+/, "") }),
    ...(options.status === "sent" || options.status === "delivered"
      ? {
          pricing: {
            billable: false,
            pricing_model: "PMP",
            category: "service",
            type: "free_customer_service",
          },
        }
      : {}),
    ...(options.correlationId !== undefined ? { biz_opaque_callback_data: options.correlationId } : {}),
    ...(options.errors
      ? {
          errors: options.errors.map((e) => ({
            code: e.code,
            title: e.title,
            message: e.message ?? e.title,
            ...(e.details ? { error_data: { details: e.details } } : {}),
          })),
        }
      : {}),
  };
  return envelope({ statuses: [status] }, options.phoneNumberId);
}

/** The `X-Hub-Signature-256` value Meta sends: `sha256=` + hex HMAC-SHA256 keyed with the App Secret. */
export function signWebhook(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

/** POSTs a webhook like Meta does: JSON body, signature header over the exact bytes sent. */
export async function postWebhook(
  url: string,
  body: WebhookBody | Record<string, unknown> | string,
  appSecret: string,
): Promise<Response> {
  const rawBody = typeof body === "string" ? body : JSON.stringify(body);
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "facebookexternalua",
      "x-hub-signature-256": signWebhook(rawBody, appSecret),
    },
    body: rawBody,
  });
}
