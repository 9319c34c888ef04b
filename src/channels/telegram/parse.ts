import { digitsToE164 } from "../../core/phone.js";
import { tolerantParse } from "../../core/tolerant-parse.js";
import type {
  InboundContent,
  InboundMessage,
  ParsedWebhook,
  RejectedItem,
  WebhookRequest,
} from "../channel.js";
import { describeIssues, jsonBody, payloadInvalid } from "../payload.js";
import { TgCallbackQuery, TgInlineKeyboard, TgMessage, TgUpdate } from "./schema.js";

/** callback_data Tern uses when a choice id does not fit in 64 bytes: `#` and the 1-based position. */
export const INDEX_DATA = /^#(\d{1,3})$/;

/**
 * One webhook request carries exactly one `Update` with one optional field set
 * (https://core.telegram.org/bots/api#update). `update_id` is the dedupe key: Telegram redelivers
 * an unanswered update with the same id. Kinds Tern does not act on (edited_message, channel_post,
 * my_chat_member, …) are acknowledged with no events.
 */
export function parse(req: WebhookRequest): ParsedWebhook {
  const json = jsonBody(req);
  const update = tolerantParse(TgUpdate, json);
  if (!update.success) {
    throw payloadInvalid(
      `Not a Telegram update (expected {"update_id":<integer>, …}): ${describeIssues(update.error)}`,
      update.error,
    );
  }
  const id = String(update.data.update_id);
  const batch = {
    account: undefined,
    path: "",
    raw: json,
    events: [] as InboundMessage[],
    rejected: [] as RejectedItem[],
  };
  const add = (result: InboundMessage | RejectedItem) => {
    if ("reason" in result) batch.rejected.push(result);
    else batch.events.push(result);
  };
  if (update.data.message !== undefined) add(fromMessage(id, update.data.message));
  else if (update.data.callback_query !== undefined) add(fromCallback(id, update.data.callback_query));
  return { batches: [batch], rejected: [] };
}

function fromMessage(id: string, raw: unknown): InboundMessage | RejectedItem {
  const parsed = tolerantParse(TgMessage, raw);
  if (!parsed.success) return { path: "message", reason: describeIssues(parsed.error), item: raw };
  const m = parsed.data;
  const name = [m.from?.first_name, m.from?.last_name].filter(Boolean).join(" ");
  // A contact the customer shared about themselves (the request_contact keyboard button sends the
  // sender's own card: contact.user_id = from.id). Someone else's card is not the customer's phone,
  // and neither is a member's own card in a group: the group is the conversation (and one
  // contact), so one member's phone would give every member that person's contact.
  const ownPhone =
    m.chat.type === "private" && m.contact && m.from && m.contact.user_id === m.from.id
      ? digitsToE164(m.contact.phone_number)
      : undefined;
  return {
    kind: "message",
    providerMessageId: id,
    // Replies go to the chat; in a private chat its id is the user's id.
    from: String(m.chat.id),
    ...(ownPhone ? { phone: ownPhone } : {}),
    ...(name ? { profileName: name } : {}),
    timestamp: m.date * 1000,
    content: toContent(m),
    ...(m.reply_to_message ? { replyTo: String(m.reply_to_message.message_id) } : {}),
  };
}

function toContent(m: TgMessage): InboundContent {
  const caption = m.caption ?? "";
  if (m.text !== undefined) return { type: "text", text: m.text };
  // Sizes come smallest first; the last is the original.
  const photo = m.photo?.at(-1);
  if (photo) return media("image", photo.file_id, caption);
  if (m.document) return media("document", m.document.file_id, caption, m.document.mime_type);
  if (m.voice) return media("audio", m.voice.file_id, caption, m.voice.mime_type);
  if (m.audio) return media("audio", m.audio.file_id, caption, m.audio.mime_type);
  if (m.video) return media("video", m.video.file_id, caption, m.video.mime_type);
  if (m.video_note) return media("video", m.video_note.file_id, caption);
  if (m.sticker) return media("sticker", m.sticker.file_id, "");
  if (m.location) {
    const { latitude, longitude } = m.location;
    return {
      type: "location",
      latitude,
      longitude,
      ...(m.venue ? { name: m.venue.title, address: m.venue.address } : {}),
      text: m.venue ? `${m.venue.title}, ${m.venue.address}` : `${latitude},${longitude}`,
    };
  }
  if (m.contact) {
    // The shared number is the reply a flow asking for a phone wants; `phone` says whose it is.
    return { type: "text", text: digitsToE164(m.contact.phone_number) ?? m.contact.phone_number };
  }
  return { type: "unsupported", providerType: "message", text: "" };
}

function media(
  mediaType: "image" | "video" | "audio" | "document" | "sticker",
  fileId: string,
  caption: string,
  mimeType?: string,
): InboundContent {
  // file_id is what getFile takes to download it: https://core.telegram.org/bots/api#getfile
  return {
    type: "media",
    mediaType,
    mediaId: fileId,
    ...(mimeType ? { mimeType } : {}),
    ...(caption ? { caption } : {}),
    text: caption,
  };
}

/**
 * A tap on an inline keyboard button Tern sent. `data` is the choice id, or `#n` when the ids did
 * not fit in 64 bytes (send.ts); the button's title is read from the keyboard of the message the
 * button sits on, which Telegram includes. For `#n` the text is `n`, which the ask step maps back
 * to the n-th choice. https://core.telegram.org/bots/api#callbackquery
 */
function fromCallback(id: string, raw: unknown): InboundMessage | RejectedItem {
  const parsed = tolerantParse(TgCallbackQuery, raw);
  if (!parsed.success) return { path: "callback_query", reason: describeIssues(parsed.error), item: raw };
  const q = parsed.data;
  if (q.data === undefined) {
    return { path: "callback_query", reason: "callback query without data (a game button)", item: raw };
  }
  const title = buttonTitle(q.message?.reply_markup, q.data);
  const index = INDEX_DATA.exec(q.data)?.[1];
  const name = [q.from.first_name, q.from.last_name].filter(Boolean).join(" ");
  return {
    kind: "message",
    providerMessageId: id,
    from: String(q.message?.chat.id ?? q.from.id),
    ...(name ? { profileName: name } : {}),
    // A callback query carries no time of its own; the keyboard message's date is the best known.
    timestamp: (q.message?.date ?? 0) * 1000,
    content: {
      type: "choice",
      id: q.data,
      title: title ?? q.data,
      text: index ?? title ?? q.data,
      ...(index !== undefined ? { index: Number(index) } : {}),
    },
    ...(q.message ? { replyTo: String(q.message.message_id) } : {}),
  };
}

function buttonTitle(markup: unknown, data: string): string | undefined {
  const keyboard = tolerantParse(TgInlineKeyboard, markup);
  if (!keyboard.success) return undefined;
  return keyboard.data.inline_keyboard.flat().find((b) => b.callback_data === data)?.text;
}

/** The callback query a delivery carries, for answering it (index.ts `acknowledge`). */
export function callbackQueryId(rawBody: Buffer): string | undefined {
  try {
    const json: unknown = JSON.parse(rawBody.toString("utf8"));
    const update = tolerantParse(TgUpdate, json);
    if (!update.success) return undefined;
    const query = tolerantParse(TgCallbackQuery, update.data.callback_query);
    return query.success ? query.data.id : undefined;
  } catch {
    return undefined;
  }
}
