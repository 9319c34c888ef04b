import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChannelSimulator } from "../../src/sandbox/channel-simulator.js";
import { type RcsSimulator, startRcsSimulator } from "../../src/sandbox/rcs/simulator.js";
import { rcsEventRequest, userTextMessage } from "../../src/sandbox/rcs/webhooks.js";
import { startTwilioChannelSimulator } from "../../src/sandbox/twilio/channel-simulator.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

const CUSTOMER = "+447700900555";
const TEXT = "Thanks — your case number is C-2002";

/**
 * RCS falls back to SMS when the device is not RCS-capable (issue 9): RBM answers the send with
 * 404 NOT_FOUND, and the send step's fallback carries the same text by Twilio SMS, once.
 */
describe("RCS to SMS fallback", () => {
  let stack: Stack;
  let rcs: RcsSimulator;
  let sms: ChannelSimulator;
  let webhookUrl: string;

  beforeEach(async () => {
    rcs = await startRcsSimulator();
    sms = await startTwilioChannelSimulator();
    stack = await startStack({
      flow: {
        schema: "tern.flow/v1",
        name: "RCS confirmation with SMS fallback",
        trigger: { type: "message", channels: ["rcs"] },
        steps: [{ id: "confirm", type: "send", text: TEXT, fallback: { channel: "twilio" } }],
      },
    });
    const created = await stack.http("POST", "/api/v1/channels", {
      type: "rcs",
      name: "rcs",
      config: rcs.config,
    });
    expect(created.status).toBe(201);
    webhookUrl = String(((await created.json()) as { webhookUrl: string }).webhookUrl);
    const twilio = await stack.http("POST", "/api/v1/channels", {
      type: "twilio",
      name: "sms",
      config: sms.config,
    });
    expect(twilio.status).toBe(201);
  });
  afterEach(async () => {
    await stack?.close();
    await rcs?.close();
    await sms?.close();
  });

  const say = async (text: string): Promise<number> => {
    const { headers, body } = rcsEventRequest(
      userTextMessage({ agentId: rcs.config.agentId, from: CUSTOMER, text }),
      rcs.config.clientToken,
    );
    return (await fetch(webhookUrl, { method: "POST", headers, body })).status;
  };

  it("a phone that is not RCS-capable gets the message by SMS, and the run history says why", async () => {
    rcs.markNotRcsCapable(CUSTOMER);
    expect(await say("Hi")).toBe(200);
    const sent = await sms.waitForSent((m) => m.text === TEXT);
    expect(sent.request.body).toMatchObject({ To: CUSTOMER, Body: TEXT });
    expect(rcs.sends).toHaveLength(0);
    const runs = (await (await stack.http("GET", "/api/v1/runs")).json()) as { items: Array<{ id: string }> };
    const run = await eventually(async () => {
      const r = (await (await stack.http("GET", `/api/v1/runs/${runs.items[0]?.id}`)).json()) as {
        status: string;
        steps: Array<{ output: { fallback?: { channelType: string; reason: string } } | null }>;
      };
      return r.status === "completed" ? r : undefined;
    });
    expect(run.steps[0]?.output?.fallback).toMatchObject({
      channelType: "twilio",
      reason: expect.stringMatching(/not RCS-capable/),
    });
    await stack.tern.worker.idle();
    expect(sms.sent.filter((m) => m.text === TEXT)).toHaveLength(1);
  });

  it("an RCS-capable phone gets it by RCS only", async () => {
    expect(await say("Hi")).toBe(200);
    await eventually(() => (rcs.sends.some((s) => s.text === TEXT) ? true : undefined));
    await stack.tern.worker.idle();
    expect(sms.sent).toHaveLength(0);
  });
});
