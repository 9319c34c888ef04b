import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { buildStatusWebhook, buildTextWebhook, postWebhook } from "../../src/sandbox/whatsapp/webhooks.js";
import { selectRows } from "../helpers/db-inspect.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * Signed deliveries carrying values no database column (or index) holds, from a provider that
 * sends odd but well-formed bodies. Both dialects.
 *
 * A time: a signed delivery whose time no database column holds: WhatsApp sends `timestamp` as a string
 * of digits, which may be any length, and Viber or Messenger send a JSON number, which may be
 * 1e300 or 1.5. Such a status used to answer 500 on PostgreSQL (bigint out of range), refusing
 * the whole delivery for ever, and was kept as `Inf` on SQLite. It is taken, dated when received.
 */
describe("provider values that no column holds", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const CUSTOMER = "15550004242";
  const statusOf = async (wamid: string) => {
    const [row] = await selectRows(
      stack.database,
      `SELECT status, status_at FROM messages WHERE provider_message_id = '${wamid}'`,
    );
    return { status: row?.status, statusAt: Number(row?.status_at) };
  };

  it("a time out of range: acknowledged, and the status applied with the time it was received", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, CUSTOMER);
    expect((await customer.say("Hi")).status).toBe(200);
    const [reply] = await customer.waitForReplies(1);
    const wamid = reply!.wamid;
    // The simulator has the send before Tern has stored the answer's wamid.
    await expect.poll(async () => (await statusOf(wamid)).status, { timeout: 10_000 }).toBe("sent");
    const post = async (status: "delivered" | "read", timestamp: string) => {
      const body = buildStatusWebhook({ messageId: wamid, status, recipient: CUSTOMER });
      const value = body.entry[0]!.changes[0]!.value as { statuses: Array<{ timestamp: unknown }> };
      value.statuses[0]!.timestamp = timestamp;
      const response = await postWebhook(stack.setup.webhookUrl, body, stack.sandbox.wa.config.appSecret);
      return { status: response.status, text: await response.text() };
    };

    const before = Date.now();
    // 400 digits: Infinity once read as a number.
    expect(await post("delivered", "9".repeat(400))).toEqual({ status: 200, text: "OK" });
    const delivered = await statusOf(wamid);
    expect(delivered.status).toBe("delivered");
    expect(delivered.statusAt).toBeGreaterThanOrEqual(before);
    expect(delivered.statusAt).toBeLessThanOrEqual(Date.now());

    // 20 digits: 1e23 ms, past what a bigint (or a Date) holds.
    expect(await post("read", "99999999999999999999")).toEqual({ status: 200, text: "OK" });
    const read = await statusOf(wamid);
    expect(read.status).toBe("read");
    expect(read.statusAt).toBeGreaterThanOrEqual(before);
    expect(read.statusAt).toBeLessThanOrEqual(Date.now());
  });

  it("an id too long for an index: the message kept as a rejected item, the others of its delivery taken", async () => {
    // PostgreSQL refused the whole delivery with a 500 for ever: "index row requires 12048
    // bytes, maximum size is 8191" (random text, which TOAST cannot compress below the limit).
    const longId = `wamid.${randomBytes(9_000).toString("base64")}`;
    const good = buildTextWebhook({ from: "15550004343", text: "Hello", id: "wamid.good-one" });
    const odd = buildTextWebhook({ from: "15550004343", text: "Hello again", id: longId });
    const value = good.entry[0]!.changes[0]!.value as { messages: unknown[] };
    value.messages.push(...(odd.entry[0]!.changes[0]!.value as { messages: unknown[] }).messages);
    const stored = await stack.tern.store.inbox.count();
    const response = await postWebhook(stack.setup.webhookUrl, good, stack.sandbox.wa.config.appSecret);
    expect({ status: response.status, text: await response.text() }).toEqual({ status: 200, text: "OK" });
    expect(await stack.tern.store.inbox.count()).toBe(stored + 1);
    const rejected = await selectRows(
      stack.database,
      "SELECT reason, detail, item_json FROM rejected_events",
    );
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ reason: "invalid", detail: expect.stringContaining("longer than") });
    expect(String(rejected[0]!.item_json)).toContain(longId);
  });
});
