import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import { startVonageSimulator, type VonageSimulator } from "../../sandbox/vonage/simulator.js";
import { vonageChannel } from "./index.js";

describe("Vonage sends against the simulator", () => {
  let sim: VonageSimulator;
  beforeEach(async () => {
    sim = await startVonageSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const send = (message: Parameters<typeof vonageChannel.send>[0], extra: Record<string, unknown> = {}) =>
    vonageChannel.send(message, vonageChannel.config.parse({ ...sim.config, ...extra }), {
      fetch: globalThis.fetch,
    });
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.catch((e: unknown) => e);
    if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
    return error;
  };

  it("sends with client-ref = the correlation id and returns the message-id", async () => {
    const result = await send({ to: "+447700900001", text: "Hi", correlationId: "run_1:a:1" });
    expect(result.providerMessageId).toMatch(/^[0-9A-F]{16}$/);
    expect(sim.sent[0]).toMatchObject({
      to: "447700900001",
      text: "Hi",
      type: "text",
      clientRef: "run_1:a:1",
    });
  });

  it("leaves out a correlation id longer than Vonage's 40 characters", async () => {
    await send({ to: "447700900001", text: "Hi", correlationId: "x".repeat(41) });
    expect(sim.sent[0]?.clientRef).toBeUndefined();
  });

  it("throttled (status 1) is retried; a barred number (7) is final with its code", async () => {
    sim.failNext(1, "1");
    expect((await failure(send({ to: "447700900001", text: "Hi" }))).retry).not.toBe("never");
    sim.failNext(1, "7");
    const barred = await failure(send({ to: "447700900001", text: "Hi" }));
    expect(barred.retry).toBe("never");
    expect(barred.details).toMatchObject({ providerCode: "7" });
    expect(barred.message).toMatch(/status 7/);
  });

  it("bad credentials (status 4) say what to check and never show the secret", async () => {
    const error = await failure(
      send({ to: "447700900001", text: "Hi" }, { apiSecret: "wrong-secret-0123456789" }),
    );
    expect(error.message).toMatch(/apiKey and apiSecret/);
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain("wrong-secret-0123456789");
  });

  it("refuses a recipient that is not a phone number before calling Vonage", async () => {
    expect((await failure(send({ to: "U123", text: "Hi" }))).retry).toBe("never");
    expect(sim.requests).toBe(0);
  });
});
