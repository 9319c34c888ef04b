import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChannelSimulator } from "../../src/sandbox/channel-simulator.js";
import { startTwilioChannelSimulator, type TwilioChannelSimulator } from "../../src/sandbox/twilio/index.js";
import { startVonageChannelSimulator } from "../../src/sandbox/vonage/channel-simulator.js";
import { selectRows } from "../helpers/db-inspect.js";
import { type Stack, startStack } from "../helpers/in-process.js";

const CUSTOMER = "+14155550142";
const TEXT = "Your appointment is confirmed for 10:00";

/**
 * A provider's status callback can overtake its answer to the send: Twilio's callback for a
 * message arrives, is acknowledged and committed before Tern has the message's sid. Such a
 * status used to name no message and was dropped: a `failed` never fell back and a `delivered`
 * never showed. Now it is kept and applied once the send settles (queue/early-statuses.ts).
 * Real HTTP, signed callbacks, both dialects.
 */
describe("delivery statuses that arrive before the send's answer", () => {
  let stack: Stack;
  let twilio: TwilioChannelSimulator;
  let vonage: ChannelSimulator;
  let webhookUrl: string;

  beforeEach(async () => {
    twilio = await startTwilioChannelSimulator();
    vonage = await startVonageChannelSimulator();
    stack = await startStack({
      flow: {
        schema: "tern.flow/v1",
        name: "Confirmation with a second SMS provider",
        trigger: { type: "message", channels: ["twilio"] },
        steps: [
          {
            id: "confirm",
            type: "send",
            text: TEXT,
            fallback: { channel: "backup-sms", onFailedStatusWithin: "PT5M" },
          },
        ],
      },
    });
    const created = await stack.http("POST", "/api/v1/channels", {
      type: "twilio",
      name: "sms",
      config: twilio.config,
    });
    expect(created.status).toBe(201);
    const { id, webhookUrl: url } = (await created.json()) as { id: string; webhookUrl: string };
    webhookUrl = url;
    // Status callbacks come to the channel's webhook URL, as pasted in the Console.
    const patched = await stack.http("PATCH", `/api/v1/channels/${id}`, {
      config: { ...twilio.config, publicUrl: webhookUrl },
    });
    expect(patched.status).toBe(200);
    const backup = await stack.http("POST", "/api/v1/channels", {
      type: "vonage",
      name: "backup-sms",
      config: vonage.config,
    });
    expect(backup.status).toBe(201);
  });
  afterEach(async () => {
    await stack?.close();
    await twilio?.close();
    await vonage?.close();
  });

  const outbound = () =>
    selectRows(
      stack.database,
      "SELECT channel_id, provider_message_id, status, error_json FROM messages WHERE direction = 'out' ORDER BY created_at",
    );

  it("a `failed` that came first still sends the message through the fallback channel, once", async () => {
    twilio.provider.deliverStatuses(["failed"], { beforeAnswer: true, errorCode: "30003" });
    expect((await twilio.say(webhookUrl, { from: CUSTOMER, text: "Hi" })).status).toBe(200);
    const sent = await twilio.waitForSent((m) => m.text === TEXT);
    const backup = await vonage.waitForSent((m) => m.text === TEXT);
    expect(backup.to.replace(/^\+/, "")).toBe(CUSTOMER.slice(1));
    await expect.poll(outbound, { timeout: 10_000 }).toEqual([
      expect.objectContaining({
        provider_message_id: sent.providerMessageId,
        status: "failed",
        error_json: expect.stringContaining("30003"),
      }),
      expect.objectContaining({ provider_message_id: backup.providerMessageId, status: "sent" }),
    ]);
    await expect.poll(() => selectRows(stack.database, "SELECT * FROM early_statuses")).toEqual([]);
    await stack.tern.worker.idle();
    expect(vonage.sent.filter((m) => m.text === TEXT)).toHaveLength(1);
    expect(twilio.sent.filter((m) => m.text === TEXT)).toHaveLength(1);
  });

  it("`sent` and `delivered` that came first leave the message delivered, and nothing falls back", async () => {
    twilio.provider.deliverStatuses(["sent", "delivered"], { beforeAnswer: true });
    expect((await twilio.say(webhookUrl, { from: CUSTOMER, text: "Hi" })).status).toBe(200);
    const sent = await twilio.waitForSent((m) => m.text === TEXT);
    await expect
      .poll(outbound, { timeout: 10_000 })
      .toEqual([
        expect.objectContaining({ provider_message_id: sent.providerMessageId, status: "delivered" }),
      ]);
    await expect.poll(() => selectRows(stack.database, "SELECT * FROM early_statuses")).toEqual([]);
    // A `failed` after `delivered` (a late carrier report) changes the status, but a delivered
    // message never falls back.
    expect(
      await twilio.provider.postStatus(sent.providerMessageId, "undelivered", { errorCode: "30005" }),
    ).toBe(200);
    await stack.tern.worker.idle();
    expect(vonage.sent).toEqual([]);
  });
});
