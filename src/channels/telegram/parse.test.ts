import { describe, expect, it } from "vitest";
import { requestFor } from "../../../test/helpers/channel-contract.js";
import { isAppError } from "../../core/app-error.js";
import { allEvents } from "../channel.js";
import { parse } from "./parse.js";

const req = (body: unknown) =>
  requestFor(Buffer.from(typeof body === "string" ? body : JSON.stringify(body)));
const chat = { id: 111, type: "private", first_name: "Ann" };
const from = { id: 111, is_bot: false, first_name: "Ann" };

describe("Telegram parse", () => {
  it("takes the phone only from a contact the customer shared about themselves", () => {
    const own = {
      update_id: 1,
      message: {
        message_id: 1,
        from,
        chat,
        date: 1,
        contact: { phone_number: "+44 7911 123456", first_name: "Ann", user_id: 111 },
      },
    };
    const other = {
      update_id: 2,
      message: {
        message_id: 2,
        from,
        chat,
        date: 1,
        contact: { phone_number: "447911999999", first_name: "Bob", user_id: 222 },
      },
    };
    expect(allEvents(parse(req(own)))[0]).toMatchObject({
      phone: "+447911123456",
      content: { type: "text", text: "+447911123456" },
    });
    const event = allEvents(parse(req(other)))[0];
    expect(event).not.toHaveProperty("phone");
    expect(event).toMatchObject({ content: { type: "text", text: "+447911999999" } });
    // In a group the group is the conversation: a member's own card is not the group's phone.
    const inGroup = {
      ...own,
      update_id: 7,
      message: { ...own.message, chat: { id: -1001234567890, type: "supergroup" } },
    };
    const grouped = allEvents(parse(req(inGroup)))[0];
    expect(grouped).toMatchObject({
      from: "-1001234567890",
      content: { type: "text", text: "+447911123456" },
    });
    expect(grouped).not.toHaveProperty("phone");
  });

  it("maps a positional button tap (#n) back to its number and reads the title from the keyboard", () => {
    const update = {
      update_id: 3,
      callback_query: {
        id: "q1",
        from,
        message: {
          message_id: 9,
          chat,
          date: 5,
          reply_markup: {
            inline_keyboard: [
              [{ text: "Sales", callback_data: "#1" }],
              [{ text: "Support", callback_data: "#2" }],
            ],
          },
        },
        data: "#2",
      },
    };
    expect(allEvents(parse(req(update)))).toEqual([
      expect.objectContaining({
        providerMessageId: "3",
        from: "111",
        content: { type: "choice", id: "#2", title: "Support", text: "2", index: 2 },
        replyTo: "9",
      }),
    ]);
  });

  it("replies to a group in the group: from is the (negative) chat id", () => {
    const update = {
      update_id: 4,
      message: { message_id: 1, from, chat: { id: -1001234567890, type: "supergroup" }, date: 1, text: "hi" },
    };
    expect(allEvents(parse(req(update)))[0]).toMatchObject({ from: "-1001234567890" });
  });

  it("acknowledges update kinds it does not act on, and rejects a broken message without refusing the delivery", () => {
    expect(allEvents(parse(req({ update_id: 5, my_chat_member: { chat } })))).toEqual([]);
    const broken = parse(req({ update_id: 6, message: { message_id: "x", text: "hi" } }));
    expect(allEvents(broken)).toEqual([]);
    expect(broken.batches[0]?.rejected[0]).toMatchObject({ path: "message" });
    // The reason names fields, never the customer's words.
    expect(broken.batches[0]?.rejected[0]?.reason).not.toContain("hi");
  });

  it("refuses a body that is not an update with CHANNEL_PAYLOAD_INVALID", () => {
    for (const body of ['{"message":{}}', '{"update_id":-1}', '{"update_id":"1"}', "[1]"]) {
      let error: unknown;
      try {
        parse(req(body));
      } catch (e) {
        error = e;
      }
      expect(isAppError(error) && error.code).toBe("CHANNEL_PAYLOAD_INVALID");
    }
  });
});
