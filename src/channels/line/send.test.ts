import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import { type LineSimulator, startLineSimulator } from "../../sandbox/line/simulator.js";
import { freePort } from "../../sandbox/tern-process.js";
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

describe("LINE answers with the reply token (replyWithToken)", () => {
  let sim: LineSimulator;
  beforeEach(async () => {
    sim = await startLineSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const config = () => lineChannel.config.parse({ ...sim.config, replyWithToken: true });
  const send = (message: Parameters<typeof lineChannel.send>[0]) =>
    lineChannel.send(message, config(), { fetch: globalThis.fetch });
  const answer = (replyToken: string) => ({ to: user, text: "Hi", correlationId: "run_1:a:1", replyToken });

  it("uses a token only when the channel asks for it and while it is fresh (30 s from the event)", () => {
    const now = Date.now();
    expect(lineChannel.repliesWithToken?.(lineChannel.config.parse(sim.config), now - 1_000, now)).toBe(
      false,
    );
    expect(lineChannel.repliesWithToken?.(config(), now - 1_000, now)).toBe(true);
    expect(lineChannel.repliesWithToken?.(config(), now - 29_000, now)).toBe(true);
    expect(lineChannel.repliesWithToken?.(config(), now - 31_000, now)).toBe(false);
  });

  it("replies with a fresh token: the reply endpoint, no retry key, the message id LINE gave", async () => {
    const result = await send(answer(sim.issueReplyToken(user)));
    expect(sim.pushes).toHaveLength(1);
    expect(sim.pushes[0]).toMatchObject({ via: "reply", to: user, text: "Hi", retryKey: undefined });
    expect(result).toEqual({ providerMessageId: sim.pushes[0]?.messageId });
  });

  it("pushes instead when LINE refuses the token (used, lapsed or unknown), with the retry key", async () => {
    const token = sim.issueReplyToken(user);
    await send(answer(token));
    const lapsed = sim.issueReplyToken(user, Date.now() - 120_000);
    for (const refused of [token, lapsed, "0123456789abcdef0123456789abcdef"]) {
      const result = await send({ ...answer(refused), correlationId: `run_1:${refused}:1` });
      const last = sim.pushes.at(-1);
      expect(last).toMatchObject({ via: "push", to: user, retryKey: lineRetryKey(`run_1:${refused}:1`) });
      expect(result.providerMessageId).toBe(last?.messageId);
    }
    expect(sim.pushes.map((p) => p.via)).toEqual(["reply", "push", "push", "push"]);
  });

  it("a reply whose answer is lost or a 5xx is settled as unknown, never pushed after it", async () => {
    sim.dropNextAfterAccept(1);
    expect(await send(answer(sim.issueReplyToken(user)))).toEqual({
      providerMessageId: "",
      outcome: "unknown",
    });
    sim.failNext(1, 500, { message: "Internal server error" });
    expect(await send(answer(sim.issueReplyToken(user)))).toEqual({
      providerMessageId: "",
      outcome: "unknown",
    });
    expect(sim.pushes.map((p) => p.via)).toEqual(["reply"]); // the dropped one was taken
  });

  it("pushes when the reply could not even connect (nothing was sent)", async () => {
    const refusing = { ...config(), apiBaseUrl: `http://127.0.0.1:${await freePort()}` };
    const error = await lineChannel
      .send(answer(sim.issueReplyToken(user)), refusing, { fetch: globalThis.fetch })
      .catch((e: unknown) => e);
    // The push goes to the same unreachable host: a not-sent error, retried by the queue.
    expect(isAppError(error) && error.details?.outcome).toBe("not_sent");
    expect(isAppError(error) && error.message).toMatch(/Could not reach the LINE API/);
  });
});
