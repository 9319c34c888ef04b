/**
 * How the customer's app shows a message's choices, read from the request the simulator received,
 * so the Try it panel can draw them as that channel would (GET /sandbox/conversations).
 */
export type ChoiceStyle = "buttons" | "list" | "inline_keyboard" | "keyboard" | "quick_replies";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

export function choiceStyle(channelType: string, body: unknown): ChoiceStyle {
  switch (channelType) {
    case "whatsapp": {
      // Reply buttons (up to 3) or a list message behind one button (interactive.type).
      const interactive = isRecord(body) ? body.interactive : undefined;
      return isRecord(interactive) && interactive.type === "list" ? "list" : "buttons";
    }
    case "telegram":
      return "inline_keyboard";
    case "viber":
      return "keyboard";
    case "messenger":
    case "instagram":
    case "line":
      return "quick_replies";
    default:
      return "buttons";
  }
}

const ID_KEYS = ["id", "callback_data", "ActionBody", "payload", "data"] as const;
const TITLE_KEYS = ["title", "text", "Text", "label"] as const;

/**
 * The choice id behind a button title in a send's request body (WhatsApp `reply.id` / list row
 * `id`, Telegram `callback_data`, Viber `ActionBody`, Messenger `payload`, LINE `data`), so the
 * simulator plays a real tap. Searched generically: each provider nests its buttons differently.
 */
export function choiceIdIn(body: unknown, title: string, depth = 0): string | undefined {
  if (depth > 8 || typeof body !== "object" || body === null) return undefined;
  if (!Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    const ownTitle = TITLE_KEYS.map((k) => record[k]).find((v) => typeof v === "string");
    const ownId = ID_KEYS.map((k) => record[k]).find((v) => typeof v === "string");
    if (ownTitle === title && typeof ownId === "string") return ownId;
  }
  for (const value of Object.values(body)) {
    const found = choiceIdIn(value, title, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
