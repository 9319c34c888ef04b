import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import { startTwilioSimulator, type TwilioSimulator } from "../../sandbox/twilio/simulator.js";
import { twilioChannel } from "./index.js";

describe("Twilio sends against the simulator", () => {
  let sim: TwilioSimulator;
  beforeEach(async () => {
    sim = await startTwilioSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const send = (message: Parameters<typeof twilioChannel.send>[0], extra: Record<string, unknown> = {}) =>
    twilioChannel.send(message, twilioChannel.config.parse({ ...sim.config, ...extra }), {
      fetch: globalThis.fetch,
    });
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.catch((e: unknown) => e);
    if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
    return error;
  };

  it("creates the message and returns its sid", async () => {
    const result = await send({ to: "+14155550100", text: "Hi" });
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sim.messages[0]).toMatchObject({ to: "+14155550100", from: sim.config.from, body: "Hi" });
  });

  it("sends from a Messaging Service as MessagingServiceSid", async () => {
    const service = `MG${"c".repeat(32)}`;
    await send({ to: "+14155550100", text: "Hi" }, { from: service });
    expect(sim.messages[0]?.form).toEqual({ To: "+14155550100", MessagingServiceSid: service, Body: "Hi" });
  });

  it("an unsubscribed recipient (21610) is final, with the code for a fallback to read", async () => {
    sim.failNext(1, 400, 21610, "Attempt to send to unsubscribed recipient");
    const error = await failure(send({ to: "+14155550100", text: "Hi" }));
    expect(error.retry).toBe("never");
    expect(error.details).toMatchObject({ httpStatus: 400, providerCode: 21610 });
    expect(error.message).toMatch(/21610.*STOP/);
  });

  it("Twilio's 429 (20429) is retried", async () => {
    sim.failNext(1, 429, 20429, "Too Many Requests");
    const error = await failure(send({ to: "+14155550100", text: "Hi" }));
    expect(error.retry).not.toBe("never");
  });

  it("a wrong Auth Token is 20003 and never shows the token", async () => {
    const error = await failure(
      send({ to: "+14155550100", text: "Hi" }, { authToken: "wrong-token-0123456789" }),
    );
    expect(error.details).toMatchObject({ httpStatus: 401, providerCode: 20003 });
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain("wrong-token-0123456789");
  });

  it("refuses what Twilio would refuse before calling it", async () => {
    for (const message of [
      { to: "14155550100", text: "Hi" },
      { to: "+14155550100", text: "x".repeat(1601) },
      { to: "+14155550100", text: "  " },
    ]) {
      expect((await failure(send(message))).retry).toBe("never");
    }
    expect(sim.requests).toBe(0);
  });

  it("the simulator refuses a To/From channel mismatch as Twilio does (21910)", async () => {
    const response = await fetch(`${sim.url}/2010-04-01/Accounts/${sim.config.accountSid}/Messages.json`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${sim.config.accountSid}:${sim.config.authToken}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "To=whatsapp%3A%2B14155550100&From=%2B15005550006&Body=Hi",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 21910, status: 400, more_info: expect.any(String) });
  });
});
