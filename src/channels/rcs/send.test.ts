import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../core/app-error.js";
import { type RcsSimulator, startRcsSimulator } from "../../sandbox/rcs/simulator.js";
import { signAssertion, tokenUrlOf } from "./access-token.js";
import { rcsChannel } from "./index.js";
import { rcsMessageId } from "./message-id.js";

const phone = "+12223334444";

describe("RCS sends against the simulator (OAuth token endpoint included)", () => {
  let sim: RcsSimulator;
  beforeEach(async () => {
    sim = await startRcsSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const config = () => rcsChannel.config.parse(sim.config);
  const send = (message: Parameters<typeof rcsChannel.send>[0], cfg = config()) =>
    rcsChannel.send(message, cfg, { fetch: globalThis.fetch });

  it("gets one token (the simulator checks its RS256 signature and claims) and reuses it, also for concurrent sends", async () => {
    await Promise.all([
      send({ to: phone, text: "a", correlationId: "r:1" }),
      send({ to: phone, text: "b", correlationId: "r:2" }),
      send({ to: phone, text: "c", correlationId: "r:3" }),
    ]);
    await send({ to: phone, text: "d", correlationId: "r:4" });
    expect(sim.sends).toHaveLength(4);
    expect(sim.tokensIssued).toBe(1);
  });

  it("a key the token endpoint does not know is a clear, final error without the key in it", async () => {
    const other = await startRcsSimulator();
    try {
      // The other simulator's private key, signed for this simulator's token endpoint.
      const cfg = rcsChannel.config.parse({
        ...sim.config,
        serviceAccountKey: {
          ...sim.config.serviceAccountKey,
          private_key: other.config.serviceAccountKey.private_key,
        },
      });
      const error = await send({ to: phone, text: "Hi" }, cfg).catch((e: unknown) => e);
      expect(isAppError(error) && error.retry).toBe("never");
      expect(isAppError(error) && error.message).toMatch(/invalid_grant/);
      const text = JSON.stringify(isAppError(error) && { m: error.message, d: error.details });
      expect(text).not.toContain("PRIVATE KEY");
      expect(sim.requests).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("an unreachable token endpoint: retried later, and the message was not sent", async () => {
    const cfg = rcsChannel.config.parse({ ...sim.config, tokenUrl: "http://127.0.0.1:9/token" });
    const error = await send({ to: phone, text: "Hi" }, cfg).catch((e: unknown) => e);
    expect(isAppError(error) && error.retry).toBe("default");
    expect(isAppError(error) && error.details).toMatchObject({ outcome: "not_sent" });
    expect(isAppError(error) && error.message).toMatch(/access token.*not sent/);
    expect(sim.requests).toBe(0);
  });

  it("the same correlation id gives the same messageId, and Google delivers it once", async () => {
    const first = await send({ to: phone, text: "Hi", correlationId: "run_1:a:1" });
    const again = await send({ to: phone, text: "Hi", correlationId: "run_1:a:1" });
    expect(first.providerMessageId).toBe(rcsMessageId("run_1:a:1"));
    expect(again.providerMessageId).toBe(first.providerMessageId);
    expect(sim.requests).toBe(2);
    expect(sim.sends).toHaveLength(1);
  });

  it("a phone without RCS is a final error naming NOT_RCS_CAPABLE, for a fallback to SMS", async () => {
    sim.markNotRcsCapable(phone);
    const error = await send({ to: phone, text: "Hi" }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("CHANNEL_SEND_FAILED");
    expect(isAppError(error) && error.retry).toBe("never");
    expect(isAppError(error) && error.details).toMatchObject({
      providerCode: "NOT_RCS_CAPABLE",
      httpStatus: 404,
    });
  });

  it("a token request through a proxy (tokenUrl) goes there, with the assertion's aud still Google's token URI", () => {
    const cfg = rcsChannel.config.parse({
      ...sim.config,
      serviceAccountKey: {
        ...sim.config.serviceAccountKey,
        token_uri: "https://oauth2.googleapis.com/token",
      },
      tokenUrl: "https://proxy.example.com/token",
    });
    expect(tokenUrlOf(cfg)).toBe("https://proxy.example.com/token");
    const claims = JSON.parse(
      Buffer.from(signAssertion(cfg, Date.now()).split(".")[1] ?? "", "base64url").toString(),
    );
    expect(claims.aud).toBe("https://oauth2.googleapis.com/token");
  });

  it("a 404 without Google's error body is a wrong address, not a phone without RCS (no SMS fallback)", async () => {
    // apiBaseUrl written with /v1, as Google's docs show the endpoint: /v1/v1/phones/… does not exist.
    const cfg = rcsChannel.config.parse({ ...sim.config, apiBaseUrl: `${sim.config.apiBaseUrl}/v1` });
    const error = await send({ to: phone, text: "Hi" }, cfg).catch((e: unknown) => e);
    expect(isAppError(error) && error.retry).toBe("never");
    expect(isAppError(error) && error.message).toMatch(/check the channel's apiBaseUrl/);
    expect(isAppError(error) && error.details?.providerCode).toBeUndefined();
    expect(isAppError(error) && error.details?.undeliverable).toBeUndefined();
  });

  it("sends choices as suggested replies, and as numbered lines when they do not fit", async () => {
    await send({ to: phone, text: "Pick", choices: [{ id: "a", title: "Alpha" }] });
    expect(sim.sends[0]?.suggestions).toEqual([{ text: "Alpha", postbackData: "a" }]);
    const many = Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, title: `Option ${i}` }));
    await send({ to: phone, text: "Pick one", choices: many });
    expect(sim.sends[1]?.suggestions).toEqual([]);
    expect(sim.sends[1]?.text).toContain("12. Option 11");
  });

  it("sends media as a standalone rich card with the text as its description, choices as chips", async () => {
    await send({
      to: phone,
      text: "Our new model",
      media: { kind: "image", url: "https://cdn.example.com/model.jpg" },
      choices: [{ id: "buy", title: "Buy" }],
    });
    expect(sim.sends[0]).toMatchObject({
      text: "Our new model",
      mediaUrl: "https://cdn.example.com/model.jpg",
      suggestions: [{ text: "Buy", postbackData: "buy" }],
    });
    const audio = await send({
      to: phone,
      text: "x",
      media: { kind: "audio", url: "https://cdn.example.com/a.mp3" },
    }).catch((e: unknown) => e);
    expect(isAppError(audio) && audio.retry).toBe("never");
  });

  it("refuses what RBM would refuse before calling it", async () => {
    for (const message of [
      { to: "12223334444", text: "Hi" },
      { to: phone, text: "x".repeat(3073) },
      { to: phone, text: " " },
    ]) {
      const error = await send(message).catch((e: unknown) => e);
      expect(isAppError(error) && error.retry).toBe("never");
    }
    expect(sim.requests).toBe(0);
  });
});
