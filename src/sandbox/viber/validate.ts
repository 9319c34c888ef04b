import { ViberLimits as L } from "../../channels/viber/limits.js";

/** A send Viber refuses: HTTP 200 with a non-zero status (errors.md). */
export class ViberRefusal extends Error {
  constructor(
    readonly status: number,
    readonly statusMessage: string,
  ) {
    super(statusMessage);
  }
}

const chars = (s: string) => [...s].length;
const BUTTON_ACTIONS = ["reply", "open-url", "location-picker", "share-phone", "none"];

export interface ParsedViberSend {
  receiver: string;
  type: string;
  text: string;
  buttons: Array<{ text: string; actionBody: string }>;
  trackingData?: string;
}

/**
 * The send_message body as the message data model documents it: receiver, sender.name ≤ 28,
 * type text (text ≤ 7000) or picture (media URL, text ≤ 768), optional keyboard of Buttons.
 * https://github.com/Viber/creators-hub docs/bots-api/data-models/message.md; keyboards:
 * Viber/creators-hub docs/bots-api/resources/messaging/keyboards
 */
export function validateSend(body: Record<string, unknown>): ParsedViberSend {
  if (typeof body.receiver !== "string" || body.receiver === "")
    throw new ViberRefusal(4, "missingData: receiver");
  const sender = body.sender as { name?: unknown } | undefined;
  if (!sender || typeof sender.name !== "string" || sender.name === "")
    throw new ViberRefusal(4, "missingData: sender.name");
  if (chars(sender.name) > L.senderNameChars)
    throw new ViberRefusal(3, "badData: sender.name is longer than 28 characters");
  if (body.min_api_version !== undefined && !Number.isInteger(body.min_api_version))
    throw new ViberRefusal(3, "badData: min_api_version");
  if (
    body.tracking_data !== undefined &&
    (typeof body.tracking_data !== "string" || chars(body.tracking_data) > L.trackingDataChars)
  ) {
    throw new ViberRefusal(3, "badData: tracking_data");
  }
  const type = body.type;
  let text: string;
  if (type === "text") {
    if (typeof body.text !== "string" || body.text === "") throw new ViberRefusal(4, "missingData: text");
    if (chars(body.text) > L.textChars)
      throw new ViberRefusal(3, "badData: text is longer than 7000 characters");
    text = body.text;
  } else if (type === "picture") {
    if (typeof body.media !== "string" || !/^https?:\/\//.test(body.media))
      throw new ViberRefusal(4, "missingData: media");
    if (typeof body.text !== "string" || chars(body.text) > L.pictureTextChars)
      throw new ViberRefusal(3, "badData: text");
    text = body.text;
  } else {
    throw new ViberRefusal(3, `badData: message type ${String(type)} is not supported by this simulator`);
  }
  return {
    receiver: body.receiver,
    type,
    text,
    buttons: keyboardButtons(body.keyboard),
    ...(typeof body.tracking_data === "string" ? { trackingData: body.tracking_data } : {}),
  };
}

function keyboardButtons(keyboard: unknown): ParsedViberSend["buttons"] {
  if (keyboard === undefined) return [];
  const k = keyboard as { Type?: unknown; Buttons?: unknown };
  if (k?.Type !== "keyboard" || !Array.isArray(k.Buttons) || k.Buttons.length === 0) {
    throw new ViberRefusal(3, "badData: keyboard");
  }
  return k.Buttons.map((raw) => {
    const b = raw as { ActionType?: unknown; ActionBody?: unknown; Text?: unknown };
    if (b.ActionType !== undefined && !BUTTON_ACTIONS.includes(String(b.ActionType)))
      throw new ViberRefusal(3, "badData: ActionType");
    if (typeof b.ActionBody !== "string" || b.ActionBody === "")
      throw new ViberRefusal(3, "badData: ActionBody");
    return { text: typeof b.Text === "string" ? b.Text : "", actionBody: b.ActionBody };
  });
}
