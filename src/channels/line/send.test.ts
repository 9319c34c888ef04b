import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import { type LineSimulator, startLineSimulator } from "../../sandbox/line/simulator.js";
import { lineChannel } from "./index.js";
import { lineRetryKey } from "./retry-key.js";

const user = "U4af4980629abcdef0123456789abcdef";

describe("LINE push against the simulator", () => {
  let sim: LineSimulator;
  beforeEach(async () => {
    sim = await startLineSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const config = () => lineChannel.config.parse(sim.config);
  const send = (message: Parameters<typeof lineChannel.send>[0]) =>
    lineChannel.send(message, config(), { fetch: globalThis.fetch });

  it("derives one UUID retry key per effect key, the same on every attempt", () => {
    const key = lineRetryKey("run_1:confirm:1");
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(lineRetryKey("run_1:confirm:1")).toBe(key);
    expect(lineRetryKey("run_1:confirm:2")).not.toBe(key);
  });

  it("a resend with the same effect key is LINE's 409, returned as the message already sent", async () => {
    const first = await send({ to: user, text: "Hi", correlationId: "run_1:a:1" });
    const again = await send({ to: user, text: "Hi", correlationId: "run_1:a:1" });
    expect(again.providerMessageId).toBe(first.providerMessageId);
    expect(sim.pushes).toHaveLength(1);
    expect(sim.requests).toBe(2);
  });

  it("a 409 without a body still counts as sent when Tern sent a retry key, and is a refusal without one", async () => {
    sim.failNext(2, 409, { message: "The retry key is already accepted" });
    const result = await send({ to: user, text: "Hi", correlationId: "run_1:b:1" });
    expect(result.providerMessageId).toBe(`retry-key:${lineRetryKey("run_1:b:1")}`);
    const error = await send({ to: user, text: "Hi" }).catch((e: unknown) => e);
    expect(isAppError(error) && error.retry).toBe("never");
  });

  it("sends choices that do not fit quick replies as numbered lines", async () => {
    const choices = Array.from({ length: 14 }, (_, i) => ({ id: `c${i}`, title: `Option ${i}` }));
    await send({ to: user, text: "Pick one", choices });
    expect(sim.pushes[0]?.choices).toEqual([]);
    expect(sim.pushes[0]?.text).toContain("14. Option 13");
    await send({ to: user, text: "Pick", choices: [{ id: "a", title: "A title longer than twenty" }] });
    expect(sim.pushes[1]?.text).toBe("Pick\n\n1. A title longer than twenty");
  });

  it("refuses what LINE would refuse before calling it", async () => {
    for (const message of [
      { to: "16315551181", text: "Hi" },
      { to: user, text: "x".repeat(5001) },
      { to: user, text: " " },
    ]) {
      const error = await send(message).catch((e: unknown) => e);
      expect(isAppError(error) && error.retry).toBe("never");
    }
    expect(sim.requests).toBe(0);
  });

  it("the monthly quota (429 'You have reached your monthly limit.') is not retried; a rate limit is", async () => {
    sim.failNext(1, 429, { message: "You have reached your monthly limit." });
    const quota = await send({ to: user, text: "Hi" }).catch((e: unknown) => e);
    expect(isAppError(quota) && quota.retry).toBe("never");
    expect(isAppError(quota) && quota.message).toMatch(/monthly/);
    expect(isAppError(quota) && quota.message).not.toMatch(/\.\./);
    sim.failNext(1, 429, { message: "The API rate limit has been exceeded. Try again later." });
    const limited = await send({ to: user, text: "Hi" }).catch((e: unknown) => e);
    expect(isAppError(limited) && limited.retry).not.toBe("never");
  });

  it("a wrong access token is a clear error without the token in it", async () => {
    const wrong = { ...config(), channelAccessToken: "wrong-token-0123456789" };
    const error = await lineChannel
      .send({ to: user, text: "Hi" }, wrong, { fetch: globalThis.fetch })
      .catch((e: unknown) => e);
    expect(isAppError(error) && error.message).toMatch(/channel access token/);
    expect(JSON.stringify(isAppError(error) && { m: error.message, d: error.details })).not.toContain(
      "wrong-token-0123456789",
    );
  });
});
