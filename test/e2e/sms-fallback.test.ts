import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChannelSimulator } from "../../src/sandbox/channel-simulator.js";
import { channelSimulators } from "../../src/sandbox/simulators.js";
import { startWhatsAppSimulator, type WhatsAppSimulator } from "../../src/sandbox/whatsapp/simulator.js";
import { buildStatusWebhook, buildTextWebhook, signWebhook } from "../../src/sandbox/whatsapp/webhooks.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/** The channel type the fallback goes through: an SMS provider. */
const FALLBACK_TYPE = "twilio";

const CUSTOMER = "447700900321";
const REFERENCE = "Your reference is R-1001";

const flow = {
  schema: "tern.flow/v1",
  name: "Reference with SMS fallback",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    {
      id: "confirm",
      type: "send",
      text: REFERENCE,
      fallback: { channel: "sms", onFailedStatusWithin: "PT5M" },
    },
  ],
};

/**
 * SMS fallback end to end (issue 9): a WhatsApp send that cannot be delivered, now or by a later
 * `failed` status, goes to the customer's phone through the SMS channel, once; a delivered
 * message never does. Real HTTP, signed webhooks, both dialects.
 */
const WA_NUMBER_ID = "106540352249999";

describe("SMS fallback when WhatsApp cannot deliver", () => {
  let stack: Stack;
  let wa: WhatsAppSimulator;
  let sms: ChannelSimulator;
  let webhookUrl: string;

  beforeEach(async () => {
    // A number of its own: the stack's channel has the simulator's default one.
    wa = await startWhatsAppSimulator({ phoneNumberId: WA_NUMBER_ID });
    const startSms = channelSimulators[FALLBACK_TYPE];
    if (!startSms) throw new Error(`no simulator for ${FALLBACK_TYPE}`);
    sms = await startSms();
    stack = await startStack({ flow });
    const created = await stack.http("POST", "/api/v1/channels", {
      type: "whatsapp",
      name: "wa",
      config: wa.config,
    });
    expect(created.status).toBe(201);
    webhookUrl = String(((await created.json()) as { webhookUrl: string }).webhookUrl);
    const smsChannel = await stack.http("POST", "/api/v1/channels", {
      type: FALLBACK_TYPE,
      name: "sms",
      config: sms.config,
    });
    expect(smsChannel.status).toBe(201);
  });
  afterEach(async () => {
    await stack?.close();
    await wa?.close();
    await sms?.close();
  });

  const post = async (body: unknown): Promise<number> => {
    const raw = JSON.stringify(body);
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signWebhook(raw, wa.config.appSecret),
      },
      body: raw,
    });
    return response.status;
  };
  const say = (text: string) => post(buildTextWebhook({ from: CUSTOMER, text, phoneNumberId: WA_NUMBER_ID }));
  const smsTexts = () => sms.sent.filter((m) => m.text.includes(REFERENCE));
  const confirmStep = async () => {
    const runs = (await (await stack.http("GET", "/api/v1/runs")).json()) as { items: Array<{ id: string }> };
    expect(runs.items).toHaveLength(1);
    const run = (await (await stack.http("GET", `/api/v1/runs/${runs.items[0]?.id}`)).json()) as {
      status: string;
      steps: Array<{ stepId: string; output: Record<string, unknown> | null }>;
    };
    return { run, step: run.steps.find((s) => s.stepId === "confirm") };
  };

  it("a send refused as outside the 24-hour window (131047) goes by SMS instead, recorded with the reason", async () => {
    wa.failNext(1, { code: 131047, message: "Re-engagement message" }, 400);
    expect(await say("Hi")).toBe(200);
    const sent = await sms.waitForSent((m) => m.text.includes(REFERENCE));
    expect(sent.to.replace(/\D/g, "")).toBe(CUSTOMER);
    // Exactly what Twilio's Messages resource takes: a form POST to the account, To in E.164.
    const config = sms.config as { accountSid: string; from: string };
    expect(sent.request).toMatchObject({
      method: "POST",
      path: `/2010-04-01/Accounts/${config.accountSid}/Messages.json`,
      body: { To: `+${CUSTOMER}`, From: config.from, Body: REFERENCE },
    });
    expect(wa.sent.filter((m) => m.text.includes(REFERENCE))).toHaveLength(0);
    const { run, step } = await eventually(async () => {
      const found = await confirmStep();
      return found.run.status === "completed" ? found : undefined;
    });
    expect(run.status).toBe("completed");
    expect(step?.output?.fallback).toMatchObject({
      channelType: FALLBACK_TYPE,
      reason: expect.stringMatching(/24 hours/),
    });
    expect(smsTexts()).toHaveLength(1);
  });

  it("a reply outside the 24-hour window (a webhook delivered a day late) goes by SMS without asking WhatsApp", async () => {
    const dayAndAnHourAgo = Date.now() - 25 * 3_600_000;
    expect(
      await post(
        buildTextWebhook({
          from: CUSTOMER,
          text: "Hi",
          timestamp: dayAndAnHourAgo,
          phoneNumberId: WA_NUMBER_ID,
        }),
      ),
    ).toBe(200);
    await sms.waitForSent((m) => m.text.includes(REFERENCE));
    const { step } = await eventually(async () => {
      const found = await confirmStep();
      return found.run.status === "completed" ? found : undefined;
    });
    expect(step?.output?.fallback).toMatchObject({
      reason: expect.stringMatching(/24 hours.*only approved message templates/),
    });
    expect(wa.sent).toHaveLength(0);
  });

  it("a failed status after the send triggers the fallback once, however often it is redelivered", async () => {
    expect(await say("Hi")).toBe(200);
    const delivered = await wa.waitForSent((m) => m.text.includes(REFERENCE));
    await eventually(async () => ((await confirmStep()).run.status === "completed" ? true : undefined));
    const failed = buildStatusWebhook({
      messageId: delivered.wamid,
      status: "failed",
      recipient: CUSTOMER,
      phoneNumberId: WA_NUMBER_ID,
      errors: [{ code: 131026, title: "Message undeliverable" }],
    });
    expect(await post(failed)).toBe(200);
    expect(await post(failed)).toBe(200);
    const sms1 = await sms.waitForSent((m) => m.text.includes(REFERENCE));
    expect(sms1.to.replace(/\D/g, "")).toBe(CUSTOMER);
    const step = await eventually(async () => {
      const found = (await confirmStep()).step;
      return found?.output?.fallback ? found : undefined;
    });
    expect(step.output?.fallback).toMatchObject({ reason: expect.stringMatching(/131026/) });
    await stack.tern.worker.idle();
    expect(smsTexts()).toHaveLength(1);
  });

  it("a message that was delivered never falls back, even when a failed status follows", async () => {
    expect(await say("Hi")).toBe(200);
    const sent = await wa.waitForSent((m) => m.text.includes(REFERENCE));
    await eventually(async () => ((await confirmStep()).run.status === "completed" ? true : undefined));
    const status = (s: "delivered" | "failed") =>
      buildStatusWebhook({
        messageId: sent.wamid,
        status: s,
        recipient: CUSTOMER,
        phoneNumberId: WA_NUMBER_ID,
        ...(s === "failed" && { errors: [{ code: 131026, title: "x" }] }),
      });
    expect(await post(status("delivered"))).toBe(200);
    expect(await post(status("failed"))).toBe(200);
    await stack.tern.worker.idle();
    expect((await confirmStep()).step?.output?.fallback).toBeUndefined();
    // A later message is handled: the worker went past both statuses without sending anything more.
    expect(await say("Hi again")).toBe(200);
    await eventually(() =>
      wa.sent.filter((m) => m.text.includes(REFERENCE)).length === 2 ? true : undefined,
    );
    await stack.tern.worker.idle();
    expect(smsTexts()).toHaveLength(0);
  });
});
