import type { z } from "zod";
import { tolerantParse } from "../../core/tolerant-parse.js";
import type {
  InboundContent,
  InboundMessage,
  ParsedWebhook,
  RejectedItem,
  StatusEvent,
  WebhookBatch,
  WebhookRequest,
} from "../channel.js";
import { foreignObject } from "../meta/foreign-object.js";
import { describeIssues, jsonBody, payloadInvalid } from "../payload.js";
import {
  WaChange,
  WaChangeValue,
  WaContact,
  WaEntry,
  WaInteractive,
  WaLocation,
  WaMedia,
  WaMessage,
  WaOrder,
  WaSharedContacts,
  WaStatus,
  WaStatusError,
  WaTemplateButton,
  WaText,
  WaWebhook,
} from "./schema.js";

const MEDIA_TYPES = ["image", "video", "audio", "document", "sticker"] as const;
type MediaType = (typeof MEDIA_TYPES)[number];
const STATUS_VALUES = ["sent", "delivered", "read", "failed"] as const;
type StatusValue = (typeof STATUS_VALUES)[number];

function rejectItem(path: string, reason: string, item: unknown): RejectedItem {
  return { path, reason, item };
}

/**
 * Turns a `whatsapp_business_account` webhook into normalized events. Meta batches: both `entry`
 * and `changes` are arrays, and one change can carry several messages and statuses, for one
 * business phone number each (`metadata.phone_number_id`).
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components
 *
 * Meta redelivers a refused POST, whole, for up to 7 days, so only a body that is not such a
 * webhook at all is refused; an item that does not parse is returned as rejected and its
 * siblings are kept.
 */
export function parse(req: WebhookRequest): ParsedWebhook {
  const json = jsonBody(req);
  const envelope = tolerantParse(WaWebhook, json);
  if (!envelope.success) {
    const other = foreignObject(json, "whatsapp_business_account", "WhatsApp Business Account");
    if (other) return other;
    throw payloadInvalid(
      `Not a WhatsApp Business Account webhook (expected {"object":"whatsapp_business_account","entry":[{"changes":[…]}]}): ${describeIssues(envelope.error)}`,
      envelope.error,
    );
  }
  const result: ParsedWebhook = { batches: [], rejected: [] };
  envelope.data.entry.forEach((rawEntry, entryIndex) => {
    const entryPath = `entry[${entryIndex}]`;
    const entry = tolerantParse(WaEntry, rawEntry);
    if (!entry.success) {
      result.rejected.push(rejectItem(entryPath, describeIssues(entry.error), rawEntry));
      return;
    }
    entry.data.changes.forEach((rawChange, changeIndex) => {
      const changePath = `${entryPath}.changes[${changeIndex}]`;
      const change = tolerantParse(WaChange, rawChange);
      if (!change.success) {
        result.rejected.push(rejectItem(changePath, describeIssues(change.error), rawChange));
        return;
      }
      // Other fields (account_update, message_template_status_update, …) are not conversations.
      if (change.data.field !== "messages") return;
      const batch = toBatch(change.data.value, `${changePath}.value`);
      if ("reason" in batch) result.rejected.push(batch);
      else result.batches.push(batch);
    });
  });
  return result;
}

function toBatch(raw: unknown, where: string): WebhookBatch | RejectedItem {
  const value = tolerantParse(WaChangeValue, raw);
  if (!value.success) return rejectItem(where, describeIssues(value.error), raw);
  const batch: WebhookBatch = {
    account: value.data.metadata?.phone_number_id,
    path: where,
    raw,
    events: [],
    rejected: [],
  };
  const contacts = toContacts(value.data.contacts);
  value.data.messages?.forEach((item, i) => {
    const message = toInboundMessage(item, contacts, `${where}.messages[${i}]`);
    if (message === null) return;
    if ("reason" in message) batch.rejected.push(message);
    else batch.events.push(message);
  });
  value.data.statuses?.forEach((item, i) => {
    const status = toStatusEvent(item, `${where}.statuses[${i}]`);
    if (status === null) return;
    if ("reason" in status) batch.rejected.push(status);
    else batch.events.push(status);
  });
  // Meta's report of a problem no message carries (a rate limit, an account or app problem,
  // https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/errors):
  // nothing to run, but kept where the channel's webhook problems are listed, and logged, instead
  // of being acknowledged without a trace.
  value.data.errors?.forEach((item, i) => {
    batch.rejected.push(rejectItem(`${where}.errors[${i}]`, describeMetaError(item), item));
  });
  return batch;
}

/** Meta's message and its error_data.details, which says what to do (e.g. which template parameter). */
function errorText(e: z.infer<typeof WaStatusError>): string {
  const parts = [e.message, e.error_data?.details].filter((x): x is string => Boolean(x));
  return [...new Set(parts)].join(": ");
}

/** "Meta reported error 130429 (Rate limit hit): <message>: <details>", from what the item has. */
function describeMetaError(raw: unknown): string {
  const parsed = tolerantParse(WaStatusError, raw);
  if (!parsed.success) return "Meta reported an error this delivery does not describe in its documented form";
  const e = parsed.data;
  const said = errorText(e);
  return `Meta reported error ${e.code}${e.title ? ` (${e.title})` : ""}${said ? `: ${said}` : ""}`;
}

/** Contacts only add a profile name; one that does not parse is ignored, not a reason to drop a message. */
function toContacts(raw: unknown[] | undefined): WaContact[] {
  if (!raw) return [];
  const contacts: WaContact[] = [];
  for (const item of raw) {
    const contact = tolerantParse(WaContact, item);
    if (contact.success) contacts.push(contact.data);
  }
  return contacts;
}

/**
 * Message items that are not something the customer said to the business, so neither start a
 * flow nor answer a question: a reaction (or its removal) to a message, a system notice (the
 * customer changed number), and a message in a group (Tern holds one-to-one conversations).
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/
 */
const NOT_SAID_TO_US = new Set(["reaction", "system"]);

function toInboundMessage(
  raw: unknown,
  contacts: WaContact[],
  where: string,
): InboundMessage | RejectedItem | null {
  const parsed = tolerantParse(WaMessage, raw);
  if (!parsed.success) return rejectItem(where, describeIssues(parsed.error), raw);
  const message = parsed.data;
  if (NOT_SAID_TO_US.has(message.type) || typeof (raw as { group_id?: unknown }).group_id === "string")
    return null;
  const contact = findContact(contacts, message.from, message.from_user_id);
  const waId = message.from ?? contact?.wa_id;
  const userId = message.from_user_id ?? contact?.user_id;
  // Key identity on the phone-based wa_id when Meta gives it; users with a username may hide it,
  // and then the business-scoped user id is the only stable handle.
  // https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
  const from = waId ?? userId;
  if (!from) return rejectItem(where, 'message has neither "from" nor "from_user_id"', raw);
  const phone = waId ? toE164(waId) : undefined;
  const profileName = contact?.profile?.name;
  return {
    kind: "message",
    providerMessageId: message.id,
    from,
    ...(phone ? { phone } : {}),
    // Keyed on the wa_id, the user id is kept too: a later message with it alone is the same person.
    ...(waId && userId && userId !== waId ? { alias: userId } : {}),
    ...(profileName ? { profileName } : {}),
    timestamp: message.timestamp * 1000,
    content: toContent(message.type, raw as Record<string, unknown>),
    ...(message.context?.id ? { replyTo: message.context.id } : {}),
  };
}

function findContact(contacts: WaContact[], waId?: string, userId?: string): WaContact | undefined {
  const match = contacts.find(
    (c) => (waId !== undefined && c.wa_id === waId) || (userId !== undefined && c.user_id === userId),
  );
  return match ?? (contacts.length === 1 ? contacts[0] : undefined);
}

/**
 * wa_id is the phone number in international format without "+", already verified by WhatsApp,
 * so E.164 is a format check rather than a libphonenumber parse (which cost ~25 µs per webhook
 * on the hot path and would drop numbers from ranges newer than its metadata).
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
 */
export function toE164(waId: string): string | undefined {
  return /^[1-9]\d{5,14}$/.test(waId) ? `+${waId}` : undefined;
}

function toContent(type: string, raw: Record<string, unknown>): InboundContent {
  const unsupported: InboundContent = { type: "unsupported", providerType: type, text: "" };
  switch (type) {
    case "text": {
      const text = tolerantParse(WaText, raw.text);
      return text.success ? { type: "text", text: text.data.body } : unsupported;
    }
    case "interactive": {
      const interactive = tolerantParse(WaInteractive, raw.interactive);
      const reply = interactive.success
        ? (interactive.data.button_reply ?? interactive.data.list_reply)
        : undefined;
      if (!reply) return { ...unsupported, providerType: interactiveType(raw) };
      return { type: "choice", id: reply.id, title: reply.title, text: reply.title };
    }
    case "button": {
      // A tapped quick-reply button on a template: payload is the id we set, text its label.
      const button = tolerantParse(WaTemplateButton, raw.button);
      if (!button.success) return unsupported;
      const { payload, text } = button.data;
      return { type: "choice", id: payload ?? text, title: text, text };
    }
    case "location": {
      const location = tolerantParse(WaLocation, raw.location);
      if (!location.success) return unsupported;
      const { latitude, longitude, name, address } = location.data;
      const label = [name, address].filter(Boolean).join(", ");
      return {
        type: "location",
        latitude,
        longitude,
        ...(name ? { name } : {}),
        ...(address ? { address } : {}),
        text: label || `${latitude},${longitude}`,
      };
    }
    case "contacts": {
      // A shared contact card: its name and numbers are what a person would read out.
      const cards = tolerantParse(WaSharedContacts, raw.contacts);
      if (!cards.success) return unsupported;
      const text = cards.data
        .map((card) =>
          [card.name?.formatted_name, ...(card.phones ?? []).map((p) => p.phone)].filter(Boolean).join(" "),
        )
        .filter(Boolean)
        .join("\n");
      // Read as text, so a card answers "your phone number?" as typing the number would.
      return text ? { type: "text", text } : unsupported;
    }
    case "order": {
      // A cart sent from a catalog; its note is what the customer wrote with it.
      const order = tolerantParse(WaOrder, raw.order);
      return { ...unsupported, text: order.success ? (order.data.text ?? "") : "" };
    }
    default:
      return isMediaType(type) ? toMedia(type, raw[type]) : unsupported;
  }
}

function interactiveType(raw: Record<string, unknown>): string {
  const inner = raw.interactive;
  const subtype =
    inner && typeof inner === "object" && "type" in inner && typeof inner.type === "string" ? inner.type : "";
  return subtype ? `interactive.${subtype}` : "interactive";
}

function isMediaType(type: string): type is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(type);
}

function toMedia(mediaType: MediaType, raw: unknown): InboundContent {
  const media = tolerantParse(WaMedia, raw);
  if (!media.success) return { type: "unsupported", providerType: mediaType, text: "" };
  const { id, mime_type: mimeType, caption } = media.data;
  return {
    type: "media",
    mediaType,
    mediaId: id,
    ...(mimeType ? { mimeType } : {}),
    ...(caption ? { caption } : {}),
    text: caption ?? "",
  };
}

function toStatusEvent(raw: unknown, where: string): StatusEvent | RejectedItem | null {
  const parsed = tolerantParse(WaStatus, raw);
  if (!parsed.success) return rejectItem(where, describeIssues(parsed.error), raw);
  const status = parsed.data;
  // Meta also sends e.g. "deleted"/"warning"; Tern tracks only the delivery lifecycle.
  if (!(STATUS_VALUES as readonly string[]).includes(status.status)) return null;
  const errors = status.errors?.map((e) => {
    const message = errorText(e);
    return { code: e.code, title: e.title ?? String(e.code), ...(message ? { message } : {}) };
  });
  return {
    kind: "status",
    providerMessageId: status.id,
    status: status.status as StatusValue,
    timestamp: status.timestamp * 1000,
    recipient: status.recipient_id ?? status.recipient_user_id ?? "",
    ...(status.biz_opaque_callback_data ? { correlationId: status.biz_opaque_callback_data } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}
