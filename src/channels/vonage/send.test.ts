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

  it("throttled (status 1) is retried after a whole second; a barred number (7) is final with its code", async () => {
    sim.failNext(1, "1");
    expect((await failure(send({ to: "447700900001", text: "Hi" }))).retry).toEqual({ afterMs: 1_000 });
    sim.failNext(1, "7");
    const barred = await failure(send({ to: "447700900001", text: "Hi" }));
    expect(barred.retry).toBe("never");
    expect(barred.details).toMatchObject({ providerCode: "7" });
    expect(barred.message).toMatch(/status 7/);
  });

  it("a long text whose first part Vonage sent and whose second it refused (status 5) is not sent again", async () => {
    // Vonage answers one entry per part (https://developer.vonage.com/en/api/sms#send-an-sms).
    const answer = {
      "message-count": "2",
      messages: [
        { to: "447700900000", "message-id": "1B01", status: "0" },
        { to: "447700900000", status: "5", "error-text": "Internal Error" },
      ],
    };
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      return new Response(JSON.stringify(answer), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    };
    const error = await failure(
      vonageChannel.send(
        { to: "+447700900000", text: "x".repeat(200) },
        vonageChannel.config.parse(sim.config),
        { fetch },
      ),
    );
    expect(error.retry).toBe("never");
    expect(error.message).toMatch(/sent 1 of the message's 2 parts/);
    expect(calls).toBe(1);
    // Every part refused: nothing went out, so a retryable status stays retryable.
    answer.messages = [
      { to: "447700900000", status: "5", "error-text": "Internal Error" },
    ] as typeof answer.messages;
    expect(
      (
        await failure(
          vonageChannel.send({ to: "+447700900000", text: "Hi" }, vonageChannel.config.parse(sim.config), {
            fetch,
          }),
        )
      ).retry,
    ).not.toBe("never");
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
