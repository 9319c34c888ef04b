import type { z } from "zod";
import { digitsToE164 } from "../../core/phone.js";
import { tolerantParse } from "../../core/tolerant-parse.js";
import type {
  ChannelEvent,
  InboundContent,
  ParsedWebhook,
  RejectedItem,
  StatusEvent,
  WebhookRequest,
} from "../channel.js";
import { describeIssues, payloadInvalid } from "../payload.js";
import { parseJsonLossless, tokenString } from "./lossless.js";
import {
  ViberEnvelope,
  type ViberInbound,
  ViberInbound as ViberInboundSchema,
  ViberStatus,
} from "./schema.js";

const STATUS = { delivered: "delivered", seen: "read", failed: "failed" } as const;

/**
 * One Viber callback is one event. `message` gives an InboundMessage keyed on the exact decimal
 * `message_token`; delivered / seen / failed give status events for what Tern sent. `webhook`
 * (the callback check set_webhook triggers), `subscribed`, `unsubscribed`, `conversation_started`
 * and anything newer are acknowledged with no events: Viber wants 200 for each of them.
 * https://github.com/Viber/creators-hub docs/bots-api/events/intro.md
 */
export function parse(req: WebhookRequest): ParsedWebhook {
  let json: unknown;
  const text = req.rawBody.toString("utf8");
  try {
    json = parseJsonLossless(text);
  } catch (error) {
    throw payloadInvalid("Webhook body is not valid JSON.", error);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    // Said from the text: the lossless parse turns a number beyond 2^53 into its digits' string.
    const what = Array.isArray(json)
      ? "an array"
      : json === null
        ? "null"
        : /^\s*-?\d/.test(text)
          ? "a number"
          : `a ${typeof json}`;
    throw payloadInvalid(
      `Not a Viber callback (expected {"event":"…", …}): the body is ${what}, not an object.`,
    );
  }
  const envelope = tolerantParse(ViberEnvelope, json);
  if (!envelope.success) {
    throw payloadInvalid(
      `Not a Viber callback (expected {"event":"…", …}): ${describeIssues(envelope.error)}`,
    );
  }
  const events: ChannelEvent[] = [];
  const rejected: RejectedItem[] = [];
  const event = envelope.data.event;
  if (event === "message") {
    const message = tolerantParse(ViberInboundSchema, json);
    if (message.success) events.push(toInbound(message.data));
    else rejected.push({ path: "", reason: describeIssues(message.error), item: json });
  } else if (Object.hasOwn(STATUS, event)) {
    const status = tolerantParse(ViberStatus, json);
    if (status.success) events.push(toStatus(status.data));
    else rejected.push({ path: "", reason: describeIssues(status.error), item: json });
  }
  return { batches: [{ account: undefined, path: "", raw: json, events, rejected }], rejected: [] };
}

function toInbound(body: ViberInbound): ChannelEvent {
  return {
    kind: "message",
    providerMessageId: tokenString(body.message_token),
    from: body.sender.id,
    // Viber never reveals a user's number, and a contact message is no proof of one: the
    // share-phone button and a card picked from the address book arrive alike, with nothing that
    // says whose number it is. Taken as the customer's phone, anyone's card would join the sender
    // to that person's contact (their tags, attributes, opt-out, Salesforce lookups by phone). The
    // number is the message's text, for a flow that asks for it.
    ...(body.sender.name ? { profileName: body.sender.name } : {}),
    timestamp: body.timestamp,
    content: toContent(body.message),
  };
}

function toContent(m: ViberInbound["message"]): InboundContent {
  const unsupported: InboundContent = { type: "unsupported", providerType: m.type, text: "" };
  switch (m.type) {
    case "text":
      // A tapped keyboard button with ActionType "reply" arrives as text carrying its ActionBody
      // (the choice id Tern sent), which the ask step matches by id.
      return m.text !== undefined ? { type: "text", text: m.text } : unsupported;
    case "picture":
    case "video":
    case "file": {
      if (!m.media) return unsupported;
      const mediaType = m.type === "picture" ? "image" : m.type === "video" ? "video" : "document";
      const caption = m.text ?? "";
      // `media` is a URL Viber hosts; it is the handle to download the file.
      return { type: "media", mediaType, mediaId: m.media, ...(caption ? { caption } : {}), text: caption };
    }
    case "sticker":
      return m.sticker_id !== undefined
        ? { type: "media", mediaType: "sticker", mediaId: String(m.sticker_id), text: "" }
        : unsupported;
    case "location":
      return m.location
        ? {
            type: "location",
            latitude: m.location.lat,
            longitude: m.location.lon,
            text: `${m.location.lat},${m.location.lon}`,
          }
        : unsupported;
    case "contact": {
      if (!m.contact) return unsupported;
      return { type: "text", text: digitsToE164(m.contact.phone_number) ?? m.contact.phone_number };
    }
    case "url":
      return m.media ? { type: "text", text: m.media } : unsupported;
    default:
      return unsupported;
  }
}

function toStatus(body: z.infer<typeof ViberStatus>): StatusEvent {
  return {
    kind: "status",
    providerMessageId: tokenString(body.message_token),
    status: STATUS[body.event],
    timestamp: body.timestamp,
    recipient: body.user_id,
    ...(body.event === "failed" ? { errors: [{ code: "failed", title: body.desc ?? "failed" }] } : {}),
  };
}
