import { describe, expect, it } from "vitest";
import { choiceIdIn, choiceStyle } from "./choice-style.js";

/** Request bodies as each provider's send API documents them (the simulators validate the same shapes). */
const whatsappButtons = {
  messaging_product: "whatsapp",
  to: "15550001234",
  type: "interactive",
  interactive: {
    type: "button",
    body: { text: "What can we help with?" },
    action: {
      buttons: [
        { type: "reply", reply: { id: "sales", title: "Sales" } },
        { type: "reply", reply: { id: "support", title: "Support" } },
      ],
    },
  },
};
const whatsappList = {
  interactive: {
    type: "list",
    body: { text: "Pick one" },
    action: { button: "Options", sections: [{ title: "Options", rows: [{ id: "r4", title: "Four" }] }] },
  },
};

describe("choice style and tapped ids from a send's request body", () => {
  it("tells WhatsApp reply buttons from a list message", () => {
    expect(choiceStyle("whatsapp", whatsappButtons)).toBe("buttons");
    expect(choiceStyle("whatsapp", whatsappList)).toBe("list");
    expect(choiceStyle("telegram", {})).toBe("inline_keyboard");
    expect(choiceStyle("viber", {})).toBe("keyboard");
    expect(choiceStyle("messenger", {})).toBe("quick_replies");
  });

  it("finds the choice id behind a title in each provider's shape", () => {
    expect(choiceIdIn(whatsappButtons, "Support")).toBe("support");
    expect(choiceIdIn(whatsappList, "Four")).toBe("r4");
    expect(
      choiceIdIn({ reply_markup: { inline_keyboard: [[{ text: "Yes", callback_data: "yes" }]] } }, "Yes"),
    ).toBe("yes");
    expect(choiceIdIn({ keyboard: { Buttons: [{ Text: "No", ActionBody: "no" }] } }, "No")).toBe("no");
    expect(
      choiceIdIn(
        { message: { quick_replies: [{ content_type: "text", title: "Hi", payload: "hi" }] } },
        "Hi",
      ),
    ).toBe("hi");
  });

  it("finds nothing for a title that is not a button (the question text is not one)", () => {
    expect(choiceIdIn(whatsappButtons, "What can we help with?")).toBeUndefined();
    expect(choiceIdIn(whatsappButtons, "Billing")).toBeUndefined();
  });
});
