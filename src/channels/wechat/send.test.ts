import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import { startWeChatSimulator, type WeChatSimulator } from "../../sandbox/wechat/simulator.js";
import { createAccessTokens } from "./access-token.js";
import { WeChatConfig } from "./config.js";
import { send } from "./send.js";

const openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

describe("WeChat customer-service sends against the simulator", () => {
  let sim: WeChatSimulator;
  let now: number;
  const tokens = createAccessTokens(() => now);
  beforeEach(async () => {
    now = Date.now();
    sim = await startWeChatSimulator();
    sim.customerWrote(openid);
  });
  afterEach(async () => {
    await sim.close();
  });
  const config = () => WeChatConfig.parse(sim.config);
  const deps = { fetch: globalThis.fetch, tokens };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e,
    );

  it("concurrent sends share one token fetch, and later sends reuse the cached token", async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => send({ to: openid, text: `m${i}` }, config(), deps)),
    );
    await send({ to: openid, text: "later" }, config(), deps);
    expect(sim.tokenRequests).toBe(1);
    expect(sim.sends).toHaveLength(9);
    expect(new Set(sim.sends.map((s) => s.accessToken)).size).toBe(1);
  });

  it("fetches a new token 5 minutes before expires_in, not after", async () => {
    await send({ to: openid, text: "a" }, config(), deps);
    now += (7200 - 301) * 1000;
    await send({ to: openid, text: "b" }, config(), deps);
    expect(sim.tokenRequests).toBe(1);
    now += 2000;
    await send({ to: openid, text: "c" }, config(), deps);
    expect(sim.tokenRequests).toBe(2);
  });

  it("an expired token (42001) is fetched again and the message sent once", async () => {
    await send({ to: openid, text: "a" }, config(), deps);
    sim.expireTokens();
    await send({ to: openid, text: "b" }, config(), deps);
    expect(sim.sends.map((s) => s.content)).toEqual(["a", "b"]);
    expect(sim.tokenRequests).toBe(2);
  });

  it("outside the 48-hour window (45015) is permanent; busy (-1) is retried", async () => {
    const late = await failure(send({ to: "oSomeoneWhoNeverWrote00000001", text: "Hi" }, config(), deps));
    expect(isAppError(late) && late.retry).toBe("never");
    expect(isAppError(late) && late.message).toMatch(/48 hours/);
    sim.failNext(1, -1, "system error");
    const busy = await failure(send({ to: openid, text: "Hi" }, config(), deps));
    expect(isAppError(busy) && busy.retry).toBe("default");
    sim.failNext(1, 45047, "out of response count limit");
    const limit = await failure(send({ to: openid, text: "Hi" }, config(), deps));
    expect(isAppError(limit) && limit.retry).toBe("never");
  });

  it("a wrong AppSecret is a not-sent error that names the fix and not the secret", async () => {
    const wrong = { ...config(), appSecret: "wrong-secret-0123456789" };
    const error = await failure(
      send({ to: openid, text: "Hi" }, wrong, { fetch: globalThis.fetch, tokens: createAccessTokens() }),
    );
    expect(isAppError(error) && error.details).toMatchObject({ outcome: "not_sent", errcode: 40125 });
    expect(isAppError(error) && error.message).toMatch(/AppSecret/);
    expect(JSON.stringify(isAppError(error) && [error.message, error.details])).not.toContain(
      "wrong-secret-0123456789",
    );
  });

  it("a failed token request never leaks the token into an error of the send", async () => {
    await send({ to: openid, text: "a" }, config(), deps);
    const token = sim.sends[0]?.accessToken ?? "";
    const error = await failure(
      send({ to: openid, text: "b" }, config(), {
        tokens,
        fetch: async (url) => {
          throw new TypeError(`fetch failed for ${String(url)}`);
        },
      }),
    );
    expect(isAppError(error) && error.message).not.toContain(token);
  });

  it("refuses a text over 2048 bytes before calling WeChat", async () => {
    const error = await failure(send({ to: openid, text: "中".repeat(683) }, config(), deps));
    expect(isAppError(error) && error.retry).toBe("never");
    expect(sim.sends).toHaveLength(0);
  });
});
