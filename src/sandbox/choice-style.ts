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
