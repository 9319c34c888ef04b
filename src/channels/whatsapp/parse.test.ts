import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/app-error.js";
import { allEvents, type ChannelEvent, type ParsedWebhook, type WebhookRequest } from "../channel.js";
import { parse } from "./parse.js";

function fixture(name: string): WebhookRequest {
  const rawBody = readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  return { method: "POST", headers: {}, query: {}, url: "https://tern.example/webhooks/ch_1", rawBody };
}

function raw(body: string): WebhookRequest {
  return {
    method: "POST",
    headers: {},
    query: {},
    url: "https://tern.example/webhooks/ch_1",
    rawBody: Buffer.from(body),
  };
}

function only(parsed: ParsedWebhook): ChannelEvent {
  expect(parsed.rejected).toEqual([]);
  expect(parsed.batches.flatMap((b) => b.rejected)).toEqual([]);
  const events = allEvents(parsed);
  expect(events).toHaveLength(1);
  return events[0] as ChannelEvent;
}

function parseError(req: WebhookRequest): AppError {
  try {
    parse(req);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected parse to throw");
}

describe("parse messages", () => {
  it("normalizes a text message with phone, profile name and ms timestamp", () => {
    expect(only(parse(fixture("text.json")))).toEqual({
      kind: "message",
      providerMessageId: "ABGGFlA5Fpa",
      from: "16315551181",
      phone: "+16315551181",
      // Meta's example carries the business-scoped user id beside the wa_id.
      alias: "US.13491208655302741918",
      profileName: "test user name",
      timestamp: 1504902988000,
      content: { type: "text", text: "this is a text message" },
    });
  });

  it("keys a username user without a phone on the business-scoped user id", () => {
    const event = only(parse(fixture("bsuid-no-phone.json")));
    expect(event).toMatchObject({ kind: "message", from: "US.13491208655302741918", profileName: "Sam" });
    expect(event).not.toHaveProperty("phone");
  });

  it("keeps the business-scoped user id sent beside the wa_id as the person's alias", () => {
    const body = JSON.parse(fixture("text.json").rawBody.toString("utf8")) as {
      entry: Array<{
        changes: Array<{
          value: { contacts: Array<Record<string, unknown>>; messages: Array<Record<string, unknown>> };
        }>;
      }>;
    };
    expect(only(parse(fixture("text.json")))).toMatchObject({
      from: "16315551181",
      phone: "+16315551181",
      alias: "US.13491208655302741918",
    });
    // Without a user id (before usernames) there is none.
    const value = body.entry[0]!.changes[0]!.value;
    delete value.contacts[0]!.user_id;
    delete value.messages[0]!.from_user_id;
    expect(only(parse(raw(JSON.stringify(body))))).not.toHaveProperty("alias");
  });

  it("turns a reply-button tap into a choice and keeps the replied-to message id", () => {
    expect(only(parse(fixture("interactive-button-reply.json")))).toMatchObject({
      content: { type: "choice", id: "plan_pro", title: "Pro plan", text: "Pro plan" },
      replyTo: "wamid.HBgLMTY1MDU1NTExMTEVAgARGBI3QkFCRjNBQjE0QjRENzYwNDgA",
    });
  });

  it("turns a list selection into a choice", () => {
    expect(only(parse(fixture("interactive-list-reply.json")))).toMatchObject({
      content: { type: "choice", id: "size_10_50", title: "10-50 employees", text: "10-50 employees" },
    });
  });

  it("turns a template quick-reply button into a choice with the payload as id", () => {
    expect(only(parse(fixture("template-quick-reply.json")))).toMatchObject({
      content: { type: "choice", id: "talk_to_sales", title: "Talk to sales", text: "Talk to sales" },
    });
  });

  it("turns media into media content with the caption as text", () => {
    expect(only(parse(fixture("image.json")))).toMatchObject({
      content: {
        type: "media",
        mediaType: "image",
        mediaId: "1003383421387256",
        mimeType: "image/jpeg",
        caption: "Our current setup",
        text: "Our current setup",
      },
    });
    expect(only(parse(fixture("document.json")))).toMatchObject({
      content: { type: "media", mediaType: "document", mediaId: "1376223850470843", text: "" },
    });
    expect(only(parse(fixture("audio.json")))).toMatchObject({
      content: { type: "media", mediaType: "audio", mimeType: "audio/ogg; codecs=opus" },
    });
  });

  it("turns a shared location into location content", () => {
    expect(only(parse(fixture("location.json")))).toMatchObject({
      content: {
        type: "location",
        latitude: 37.483307,
        longitude: -122.148981,
        name: "Meta Headquarters",
        address: "1 Hacker Way, Menlo Park, CA 94025",
        text: "Meta Headquarters, 1 Hacker Way, Menlo Park, CA 94025",
      },
    });
  });

  it("marks unknown types as unsupported instead of failing", () => {
    expect(only(parse(fixture("unknown-type.json")))).toMatchObject({
      content: { type: "unsupported", providerType: "unsupported" },
    });
  });

  /** The fixture's one message item replaced by `item` (same sender, id and time). */
  const withMessage = (item: Record<string, unknown>) => {
    const body = JSON.parse(readFileSync(new URL("./fixtures/text.json", import.meta.url), "utf8"));
    const message = body.entry[0].changes[0].value.messages[0];
    body.entry[0].changes[0].value.messages[0] = {
      from: message.from,
      id: message.id,
      timestamp: message.timestamp,
      ...item,
    };
    return parse(raw(JSON.stringify(body)));
  };

  it("ignores what is not said to the business: a reaction or its removal, a system notice, a group message", () => {
    const ignored = [
      parse(fixture("reaction-unsupported.json")),
      // Removed: Meta sends the reaction without its emoji.
      withMessage({ type: "reaction", reaction: { message_id: "wamid.X" } }),
      withMessage({
        type: "system",
        system: { body: "User A changed from 1 to 2", type: "user_changed_number", new_wa_id: "16660000000" },
      }),
      withMessage({ type: "text", text: { body: "hello all" }, group_id: "120363012345678901@g.us" }),
    ];
    for (const parsed of ignored) {
      expect(allEvents(parsed)).toEqual([]);
      expect(parsed.batches.flatMap((b) => b.rejected)).toEqual([]);
    }
  });

  it("reads a shared contact card as its name and numbers, and an order's note", () => {
    const card = only(
      withMessage({
        type: "contacts",
        contacts: [
          {
            name: { formatted_name: "Ada Lovelace", first_name: "Ada" },
            phones: [{ phone: "+1 555 0100", wa_id: "15550100", type: "CELL" }],
          },
        ],
      }),
    );
    expect(card).toMatchObject({ content: { type: "text", text: "Ada Lovelace +1 555 0100" } });
    const order = only(
      withMessage({ type: "order", order: { catalog_id: "1", text: "two please", product_items: [] } }),
    );
    expect(order).toMatchObject({
      content: { type: "unsupported", providerType: "order", text: "two please" },
    });
  });

  it("reads every entry and every change of a batched webhook", () => {
    const events = allEvents(parse(fixture("multi-entry.json")));
    expect(events.map((e) => e.providerMessageId)).toEqual([
      "wamid.MULTI1",
      "wamid.MULTI2",
      "wamid.HBgLMTYzMTU1NTExODEVAgARGBJBQjEyQ0QzNEVGNTZBQjc4OTAA",
      "wamid.MULTI3",
    ]);
    expect(events[3]).toMatchObject({
      from: "5511987654321",
      phone: "+5511987654321",
      profileName: "Ana Souza",
    });
  });

  it("leaves phone out when the wa_id is not a possible phone number", () => {
    const body = readFileSync(new URL("./fixtures/text.json", import.meta.url), "utf8").replaceAll(
      "16315551181",
      "12",
    );
    const event = only(parse(raw(body)));
    expect(event).toMatchObject({ from: "12" });
    expect(event).not.toHaveProperty("phone");
  });
});

describe("parse statuses", () => {
  it("echoes biz_opaque_callback_data as correlationId", () => {
    expect(only(parse(fixture("status-sent.json")))).toEqual({
      kind: "status",
      providerMessageId: "wamid.HBgLMTYzMTU1NTExODEVAgARGBJBQjEyQ0QzNEVGNTZBQjc4OTAA",
      status: "sent",
      timestamp: 1749416600000,
      recipient: "16315551181",
      correlationId: "run_01J9Z6Q2:step_ask_email:1",
    });
    expect(only(parse(fixture("status-delivered.json")))).toMatchObject({ status: "delivered" });
    expect(only(parse(fixture("status-read.json")))).toMatchObject({ status: "read" });
  });

  it("carries the errors of a failed message", () => {
    expect(only(parse(fixture("status-failed.json")))).toMatchObject({
      status: "failed",
      correlationId: "run_01J9Z6Q2:step_followup:1",
      errors: [
        {
          code: 131047,
          title: "Re-engagement message",
          // Meta's error_data.details says why; it is kept with the message.
          message:
            "Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        },
      ],
    });
  });
});

describe("parse rejects malformed payloads", () => {
  it("rejects a body that is not JSON", () => {
    const error = parseError(raw("{not json"));
    expect(error.code).toBe("CHANNEL_PAYLOAD_INVALID");
    expect(error.httpStatus).toBe(400);
    expect(error.message).toMatch(/not valid JSON/);
  });

  it("acknowledges a webhook for another object as one rejected item, reading none of it", () => {
    const parsed = parse(raw(JSON.stringify({ object: "page", entry: [{ id: "1", messaging: [] }] })));
    expect(parsed.batches).toEqual([]);
    expect(parsed.rejected).toEqual([
      {
        path: "object",
        reason: expect.stringMatching(/"page" webhook object, not "whatsapp_business_account"/),
        item: { object: "page" },
      },
    ]);
  });

  it("rejects a body without an entry array", () => {
    expect(parseError(raw(JSON.stringify({ object: "whatsapp_business_account" }))).code).toBe(
      "CHANNEL_PAYLOAD_INVALID",
    );
  });

  it("keeps Meta's system, app or account error (value.errors) as a rejected item naming it", () => {
    const parsed = parse(fixture("value-errors.json"));
    expect(parsed.rejected).toEqual([]);
    expect(parsed.batches).toHaveLength(1);
    const batch = parsed.batches[0]!;
    expect(batch.account).toBe("106540352242922");
    expect(batch.events).toEqual([]);
    expect(batch.rejected).toEqual([
      {
        path: "entry[0].changes[0].value.errors[0]",
        reason:
          "Meta reported error 130429 (Rate limit hit): Rate limit hit: Cloud API message throughput has been reached.",
        item: expect.objectContaining({ code: 130429 }),
      },
    ]);
  });

  it("returns no events for a change of another field", () => {
    const body = {
      object: "whatsapp_business_account",
      entry: [{ id: "1", changes: [{ field: "account_update", value: { event: "VERIFIED_ACCOUNT" } }] }],
    };
    expect(parse(raw(JSON.stringify(body)))).toEqual({ batches: [], rejected: [] });
  });
});

/** A delivery shaped like Meta's (payload examples), with the given values in its changes. */
function delivery(...values: Array<Record<string, unknown>>) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: values.map((value) => ({
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "16505551111", phone_number_id: "123456123" },
            ...value,
          },
        })),
      },
    ],
  };
}

const text = (id: string, body: string) => ({
  from: "16315551181",
  id,
  timestamp: "1749416800",
  type: "text",
  text: { body },
});

describe("one bad item does not reject a batched delivery", () => {
  it("keeps both good messages of a batch whose second message has no id", () => {
    const parsed = parse(fixture("batch-with-bad-message.json"));
    expect(allEvents(parsed).map((e) => e.providerMessageId)).toEqual(["wamid.GOOD1", "wamid.GOOD2"]);
    expect(parsed.batches[0]?.rejected.map((r) => r.path)).toEqual(["entry[0].changes[0].value.messages[1]"]);
  });

  it("keeps the good messages of a batch and returns the bad one as rejected, with its path", () => {
    const bad = {
      from: "16315551181",
      timestamp: "1749416801",
      type: "text",
      text: { body: "secret words" },
    };
    const parsed = parse(
      raw(
        JSON.stringify(delivery({ messages: [text("wamid.OK1", "first"), bad, text("wamid.OK2", "third")] })),
      ),
    );
    expect(allEvents(parsed).map((e) => e.providerMessageId)).toEqual(["wamid.OK1", "wamid.OK2"]);
    const [batch] = parsed.batches;
    expect(batch?.rejected).toHaveLength(1);
    expect(batch?.rejected[0]).toMatchObject({ path: "entry[0].changes[0].value.messages[1]", item: bad });
    expect(batch?.rejected[0]?.reason).toMatch(/^id: /);
    // The reason is for the log: no message text, no phone number.
    expect(batch?.rejected[0]?.reason).not.toContain("secret words");
    expect(batch?.rejected[0]?.reason).not.toContain("16315551181");
  });

  it("rejects a message whose id zod itself throws on, and keeps the others (fuzz counterexample)", () => {
    const hostile = {
      ...text("wamid.X", "hi"),
      id: JSON.parse('{"length":[{"toString":null}]}'),
    };
    const parsed = parse(raw(JSON.stringify(delivery({ messages: [text("wamid.OK1", "first"), hostile] }))));
    expect(allEvents(parsed).map((e) => e.providerMessageId)).toEqual(["wamid.OK1"]);
    expect(parsed.batches[0]?.rejected[0]).toMatchObject({ path: "entry[0].changes[0].value.messages[1]" });
  });

  it("returns a message without a sender as rejected", () => {
    const parsed = parse(
      raw(JSON.stringify(delivery({ messages: [{ id: "wamid.X", timestamp: "1", type: "text" }] }))),
    );
    expect(allEvents(parsed)).toEqual([]);
    expect(parsed.batches[0]?.rejected[0]).toMatchObject({
      path: "entry[0].changes[0].value.messages[0]",
      reason: 'message has neither "from" nor "from_user_id"',
    });
  });

  it("keeps the messages when a status of the same change is malformed, and the reverse", () => {
    const parsed = parse(
      raw(
        JSON.stringify(
          delivery(
            { messages: [text("wamid.M1", "hi")], statuses: [{ id: "wamid.S1", status: "read" }] },
            {
              messages: ["not a message"],
              statuses: [{ id: "wamid.S2", status: "delivered", timestamp: "1749416802", recipient_id: "1" }],
            },
          ),
        ),
      ),
    );
    expect(allEvents(parsed).map((e) => [e.kind, e.providerMessageId])).toEqual([
      ["message", "wamid.M1"],
      ["status", "wamid.S2"],
    ]);
    expect(parsed.batches.flatMap((b) => b.rejected.map((r) => r.path))).toEqual([
      "entry[0].changes[0].value.statuses[0]",
      "entry[0].changes[1].value.messages[0]",
    ]);
  });

  it("rejects a malformed entry or change alone and reads the others", () => {
    const body = delivery({ messages: [text("wamid.GOOD", "hi")] });
    const entries: unknown[] = [{ id: "1" }, ...body.entry, { id: "2", changes: [{ value: {} }] }];
    const parsed = parse(raw(JSON.stringify({ ...body, entry: entries })));
    expect(allEvents(parsed).map((e) => e.providerMessageId)).toEqual(["wamid.GOOD"]);
    expect(parsed.rejected.map((r) => r.path)).toEqual(["entry[0]", "entry[2].changes[0]"]);
  });

  it("rejects a change whose value is not an object, keeping its siblings", () => {
    const body = delivery({ messages: [text("wamid.GOOD", "hi")] });
    body.entry[0]?.changes.unshift({ field: "messages", value: "nonsense" as never });
    const parsed = parse(raw(JSON.stringify(body)));
    expect(allEvents(parsed).map((e) => e.providerMessageId)).toEqual(["wamid.GOOD"]);
    expect(parsed.rejected).toMatchObject([{ path: "entry[0].changes[0].value", item: "nonsense" }]);
  });

  it("ignores a malformed contact instead of dropping its message", () => {
    const parsed = parse(
      raw(JSON.stringify(delivery({ contacts: [{ wa_id: 5 }], messages: [text("wamid.M", "hi")] }))),
    );
    expect(only(parsed)).toMatchObject({ providerMessageId: "wamid.M" });
  });
});

describe("parse says which business number each batch was addressed to", () => {
  it("reads metadata.phone_number_id per change", () => {
    const body = delivery({ messages: [text("wamid.A", "a")] }, { messages: [text("wamid.B", "b")] });
    const second = body.entry[0]?.changes[1]?.value as { metadata: { phone_number_id: string } };
    second.metadata.phone_number_id = "999000999";
    const parsed = parse(raw(JSON.stringify(body)));
    expect(parsed.batches.map((b) => [b.account, b.path, b.events.map((e) => e.providerMessageId)])).toEqual([
      ["123456123", "entry[0].changes[0].value", ["wamid.A"]],
      ["999000999", "entry[0].changes[1].value", ["wamid.B"]],
    ]);
  });
});
