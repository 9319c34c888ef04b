import { tolerantParse } from "../../core/tolerant-parse.js";
import type {
  InboundContent,
  InboundMessage,
  ParsedWebhook,
  RejectedItem,
  WebhookRequest,
} from "../channel.js";
import { describeIssues, payloadInvalid } from "../payload.js";
import type { WeChatConfig } from "./config.js";
import { decryptMessage, WeChatDecryptError } from "./crypto.js";
import {
  WeChatEnvelope,
  WeChatEvent,
  WeChatLink,
  WeChatLocation,
  WeChatMedia,
  WeChatMessage,
  WeChatText,
} from "./schema.js";
import { isSafeMode } from "./verify.js";
import { readDeliveryXml, readWeChatXml } from "./xml.js";

/** The delivery's XML in the clear: the body itself (plain), or its decrypted `<Encrypt>` (safe, compatible). */
function plaintextOf(req: WebhookRequest, config: WeChatConfig): string {
  if (!isSafeMode(req)) return req.rawBody.toString("utf8");
  const encrypted = readDeliveryXml(req.rawBody)?.Encrypt;
  if (typeof encrypted !== "string" || config.encodingAESKey === undefined) {
    throw payloadInvalid("A safe-mode delivery needs an <Encrypt> element and the channel's encodingAESKey.");
  }
  let decrypted: { xml: string; appId: string };
  try {
    decrypted = decryptMessage(encrypted, config.encodingAESKey);
  } catch (error) {
    if (!(error instanceof WeChatDecryptError)) throw error;
    throw payloadInvalid(
      "The <Encrypt> element does not decrypt with this channel's encodingAESKey. Copy the current EncodingAESKey from Server configuration.",
      error,
    );
  }
  // The plaintext names the app it was encrypted for; another app's message is not this channel's.
  if (decrypted.appId !== config.appId) {
    throw payloadInvalid("The encrypted message is addressed to another AppID than this channel's appId.");
  }
  return decrypted.xml;
}

/**
 * One WeChat callback = one message or event (no batching). A body that is not WeChat XML is
 * refused; a WeChat document without the fields a message needs is a rejected item, and events
 * other than menu clicks (subscribe, unsubscribe, SCAN, LOCATION, VIEW, TEMPLATESENDJOBFINISH…)
 * are acknowledged and ignored.
 */
export function parse(req: WebhookRequest, config: WeChatConfig): ParsedWebhook {
  const fields = readWeChatXml(plaintextOf(req, config));
  if (!fields) throw payloadInvalid("Not a WeChat callback: expected an <xml>…</xml> document.");
  const envelope = tolerantParse(WeChatEnvelope, fields);
  const account = envelope.success ? envelope.data.ToUserName : undefined;
  const event = envelope.success ? toEvent(fields) : reject(describeIssues(envelope.error), fields);
  return {
    batches: [
      {
        // The Official Account's original id (gh_…); each channel has its own URL, so informative.
        account,
        path: "xml",
        raw: fields,
        events: event && !("reason" in event) ? [event] : [],
        rejected: event && "reason" in event ? [event] : [],
      },
    ],
    rejected: [],
  };
}

function reject(reason: string, item: unknown): RejectedItem {
  return { path: "xml", reason, item };
}

function toEvent(fields: Record<string, unknown>): InboundMessage | RejectedItem | null {
  const envelope = WeChatEnvelope.parse(fields);
  const base = {
    kind: "message" as const,
    from: envelope.FromUserName,
    timestamp: Number(envelope.CreateTime) * 1000,
  };
  if (envelope.MsgType === "event") {
    const event = tolerantParse(WeChatEvent, fields);
    if (!event.success || event.data.Event !== "CLICK" || !event.data.EventKey) return null;
    // Events carry no MsgId; WeChat's advice is FromUserName + CreateTime. The key is added so two
    // menu taps in one second stay two choices; a redelivery repeats all three.
    return {
      ...base,
      providerMessageId: `event:${envelope.FromUserName}:${envelope.CreateTime}:${event.data.EventKey}`,
      content: {
        type: "choice",
        id: event.data.EventKey,
        title: event.data.EventKey,
        text: event.data.EventKey,
      },
    };
  }
  const message = tolerantParse(WeChatMessage, fields);
  if (!message.success) return reject(describeIssues(message.error), fields);
  const content = toContent(envelope.MsgType, fields);
  if (content === null) return reject(`${envelope.MsgType} message without its fields`, fields);
  return { ...base, providerMessageId: message.data.MsgId, content };
}

function toContent(type: string, fields: Record<string, unknown>): InboundContent | null {
  switch (type) {
    case "text": {
      const text = tolerantParse(WeChatText, fields);
      return text.success ? { type: "text", text: text.data.Content } : null;
    }
    case "image":
    case "voice":
    case "video":
    case "shortvideo": {
      const media = tolerantParse(WeChatMedia, fields);
      if (!media.success) return null;
      const mediaType = type === "image" ? "image" : type === "voice" ? "audio" : "video";
      return {
        type: "media",
        mediaType,
        mediaId: media.data.MediaId,
        ...(media.data.Format ? { mimeType: `audio/${media.data.Format.toLowerCase()}` } : {}),
        text: media.data.Recognition ?? "",
      };
    }
    case "location": {
      const location = tolerantParse(WeChatLocation, fields);
      if (!location.success) return null;
      const label = location.data.Label;
      return {
        type: "location",
        latitude: Number(location.data.Location_X),
        longitude: Number(location.data.Location_Y),
        ...(label ? { address: label } : {}),
        text: label ?? "",
      };
    }
    case "link": {
      const link = tolerantParse(WeChatLink, fields);
      const text = link.success ? [link.data.Title, link.data.Url].filter(Boolean).join(" ") : "";
      return { type: "unsupported", providerType: "link", text };
    }
    default:
      return { type: "unsupported", providerType: type, text: "" };
  }
}
