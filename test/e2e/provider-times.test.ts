import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { buildStatusWebhook, postWebhook } from "../../src/sandbox/whatsapp/webhooks.js";
import { selectRows } from "../helpers/db-inspect.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * A signed delivery whose time no database column holds: WhatsApp sends `timestamp` as a string
 * of digits, which may be any length, and Viber or Messenger send a JSON number, which may be
 * 1e300 or 1.5. Such a status used to answer 500 on PostgreSQL (bigint out of range), refusing
 * the whole delivery for ever, and was kept as `Inf` on SQLite. It is taken, dated when received.
 */
describe("a provider time out of any column's range", () => {
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

  it("is acknowledged, and the status applied with the time it was received", async () => {
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
});
