import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { standInChannel } from "../../test/helpers/stand-in-channel.js";
import { insertTestRun } from "../../test/helpers/test-runs.js";
import { openTestStore } from "../../test/helpers/test-store.js";
import type { ChannelDefinition } from "../channels/channel.js";
import { AppError } from "../core/app-error.js";
import type { Store } from "../store/store.js";
import { createEffects, type RunContext } from "./effects.js";
import { HandedBackError } from "./failures.js";
import { REPLY_SEND_KIND } from "./send-effects.js";

/**
 * The outbox policy for sends, on a real store (SQLite or PostgreSQL, as the suite runs). The channel is a stand-in whose `send`
 * fails the way an adapter reports it (the WhatsApp path runs end to end in
 * test/e2e/unknown-send-outcome.test.ts).
 */
let store: Store;
let sleeps: number[];

beforeEach(async () => {
  store = await openTestStore();
  sleeps = [];
});
afterEach(async () => {
  await store.close();
});

async function effectsFor(definition: ChannelDefinition, turn: Partial<RunContext> = {}) {
  const contact = await store.contacts.upsert("ch_1", "4915100000009", null, null, Date.now());
  return createEffects(
    {
      store,
      clock: { now: () => Date.now() },
      fetch: () => Promise.reject(new Error("no network in this test")),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      connector: () => {
        throw new Error("no connectors in this test");
      },
      sendReconcileMs: 300,
    },
    {
      runId: "run_1",
      channel: { id: "ch_1", definition, config: {} },
      contact: { id: contact.id, address: contact.address },
      ...turn,
    },
  );
}

const unknownOutcome = () =>
  new AppError("CHANNEL_SEND_FAILED", "No answer; the message may have been sent.", {
    retry: "default",
    details: { outcome: "unknown" },
  });

describe("sends through the outbox", () => {
  it("a bug in an adapter (a TypeError) is tried once, not retried with back-off as if transient", async () => {
    let calls = 0;
    const effects = await effectsFor(
      standInChannel(async () => {
        calls++;
        throw new TypeError("Cannot read properties of undefined (reading 'id')");
      }, true),
    );
    const error = await effects.send("run_1:1:1", { text: "Hi" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "INTERNAL", retry: "never" });
    expect((error as AppError).cause).toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
    expect((await store.effects.get("run_1:1:1"))?.status).toBe("failed");
  });

  it("a certain failure (not sent) is retried with back-off and no reconcile wait", async () => {
    let calls = 0;
    const effects = await effectsFor(
      standInChannel(async () => {
        calls++;
        if (calls === 1) {
          throw new AppError("CHANNEL_SEND_FAILED", "refused", {
            retry: "default",
            details: { outcome: "not_sent" },
          });
        }
        return { providerMessageId: "wamid.2" };
      }, true),
    );
    expect(await effects.send("run_1:1:1", { text: "Hi" })).toEqual({
      providerMessageId: "wamid.2",
      sentAt: expect.any(Number),
    });
    expect(calls).toBe(2);
    expect(sleeps).toEqual([200]);
  });

  it("a channel that echoes nothing: an unknown outcome is not sent again, and the message is marked unknown", async () => {
    let calls = 0;
    const effects = await effectsFor(
      standInChannel(async () => {
        calls++;
        throw unknownOutcome();
      }, false),
    );
    const result = await effects.send("run_1:1:1", { text: "Hi" });
    expect(result).toEqual({ providerMessageId: "", outcome: "unknown", sentAt: expect.any(Number) });
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
    // The settle is not awaited by send, and on PostgreSQL another connection's write may commit
    // first: wait for it rather than for an unrelated write.
    await expect.poll(async () => (await store.effects.get("run_1:1:1"))?.status).toBe("done");
    expect((await store.contacts.messageByEffectKey("run_1:1:1"))?.status).toBe("unknown");
  });

  it("a channel that echoes nothing: a send left in flight by a crash is not sent again", async () => {
    let calls = 0;
    const definition = standInChannel(async () => {
      calls++;
      return { providerMessageId: "x" };
    }, false);
    await store.write((tx) => tx.effects.begin("run_1:1:1", "send", Date.now()));
    const result = await (await effectsFor(definition)).send("run_1:1:1", { text: "Hi" });
    expect(result).toMatchObject({ outcome: "unknown" });
    expect(calls).toBe(0);
  });

  it("a channel that echoes: with no status in the window, an unknown outcome is sent again once", async () => {
    let calls = 0;
    const effects = await effectsFor(
      standInChannel(async () => {
        calls++;
        if (calls === 1) throw unknownOutcome();
        return { providerMessageId: "wamid.2" };
      }, true),
    );
    expect(await effects.send("run_1:1:1", { text: "Hi" })).toEqual({
      providerMessageId: "wamid.2",
      sentAt: expect.any(Number),
    });
    expect(calls).toBe(2);
    // The whole window was waited (polled), and no back-off was added on top of it.
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(300);
  });

  it("a channel with idempotent sends (LINE retry key): an unknown outcome is sent again at once, with the same correlation id", async () => {
    const keys: Array<string | undefined> = [];
    const base = standInChannel(async (message) => {
      keys.push(message.correlationId);
      if (keys.length === 1) throw unknownOutcome();
      return { providerMessageId: "line.2" };
    }, false);
    const definition = { ...base, capabilities: { ...base.capabilities, idempotentSends: true } };
    expect(await (await effectsFor(definition)).send("run_1:1:1", { text: "Hi" })).toEqual({
      providerMessageId: "line.2",
      sentAt: expect.any(Number),
    });
    expect(keys).toEqual(["run_1:1:1", "run_1:1:1"]);
    expect(sleeps).toEqual([]);
  });

  it("a channel with idempotent sends: a send left in flight by a crash is sent again with its key", async () => {
    const keys: Array<string | undefined> = [];
    const base = standInChannel(async (message) => {
      keys.push(message.correlationId);
      return { providerMessageId: "line.1" };
    }, false);
    const definition = { ...base, capabilities: { ...base.capabilities, idempotentSends: true } };
    await store.write((tx) => tx.effects.begin("run_1:1:1", "send", Date.now()));
    const result = await (await effectsFor(definition)).send("run_1:1:1", { text: "Hi" });
    expect(result).toEqual({ providerMessageId: "line.1", sentAt: expect.any(Number) });
    expect(keys).toEqual(["run_1:1:1"]);
  });

  it("a reply token (LINE) goes with the turn's first send only, and its intent says so", async () => {
    await insertTestRun(store, "run_1", { status: "running" });
    const tokens: Array<string | undefined> = [];
    const base = standInChannel(async (message) => {
      tokens.push(message.replyToken);
      return { providerMessageId: `line.${tokens.length}` };
    }, false);
    const definition: ChannelDefinition = {
      ...base,
      capabilities: { ...base.capabilities, idempotentSends: true },
      repliesWithToken: (_config, at, now) => now - at < 30_000,
    };
    const turn = { assertActive: async () => {}, reply: { token: "tok_1", at: Date.now() } };
    const effects = await effectsFor(definition, turn);
    await effects.send("run_1:1:1", { text: "Hi" });
    await effects.send("run_1:2:1", { text: "And another thing" });
    expect(tokens).toEqual(["tok_1", undefined]);
    expect((await store.effects.get("run_1:1:1"))?.kind).toBe(REPLY_SEND_KIND);
    expect((await store.effects.get("run_1:2:1"))?.kind).toBe("send");
    // A lapsed token is not offered at all.
    const stale = await effectsFor(definition, {
      ...turn,
      reply: { token: "tok_2", at: Date.now() - 60_000 },
    });
    await stale.send("run_1:3:1", { text: "Later" });
    expect(tokens).toEqual(["tok_1", undefined, undefined]);
  });

  it("a process that lost its turn while the intent was written (paused past its lease) sends nothing", async () => {
    await insertTestRun(store, "run_1", { status: "running" });
    let calls = 0;
    const definition = standInChannel(async () => {
      calls++;
      return { providerMessageId: "m.1" };
    }, true);
    // Held when the intent is written; given up by the time the message would leave (the next
    // holder's replies would otherwise be overtaken by this one).
    let checks = 0;
    const turn = {
      assertActive: async () => {},
      assertHeld: () => {
        if (++checks > 1) throw new HandedBackError();
      },
    };
    await expect((await effectsFor(definition, turn)).send("run_1:1:1", { text: "Hi" })).rejects.toThrow(
      HandedBackError,
    );
    expect(calls).toBe(0);
    expect(checks).toBe(2);
    // Not the send's failure: the next holder's replay of the step finds it in flight and sends.
    expect((await store.effects.get("run_1:1:1"))?.status).toBe("in_flight");
  });

  it("a send retried after its process lost the turn is left in flight, not failed for good", async () => {
    await insertTestRun(store, "run_1", { status: "running" });
    let calls = 0;
    const definition = standInChannel(async () => {
      calls++;
      throw new AppError("CHANNEL_SEND_FAILED", "503 from the provider", { retry: "default" });
    }, true);
    const turn = {
      assertActive: async () => {
        throw new HandedBackError();
      },
    };
    await expect((await effectsFor(definition, turn)).send("run_1:1:1", { text: "Hi" })).rejects.toThrow(
      HandedBackError,
    );
    expect(calls).toBe(1);
    expect((await store.effects.get("run_1:1:1"))?.status).toBe("in_flight");
  });

  it("a reply-token send left in flight by a crash is settled unknown, not pushed (the token may have answered)", async () => {
    let calls = 0;
    const base = standInChannel(async () => {
      calls++;
      return { providerMessageId: "line.1" };
    }, false);
    const definition = { ...base, capabilities: { ...base.capabilities, idempotentSends: true } };
    // Begun a minute ago, before the crash: the receipt says when, as the first attempt would have.
    const begunAt = Date.now() - 60_000;
    await store.write((tx) => tx.effects.begin("run_1:1:1", REPLY_SEND_KIND, begunAt));
    const effects = await effectsFor(definition);
    const result = await effects.send("run_1:1:1", { text: "Hi" });
    expect(result).toEqual({ providerMessageId: "", outcome: "unknown", sentAt: begunAt });
    expect(calls).toBe(0);
    expect((await store.effects.get("run_1:1:1"))?.status).toBe("done");
    // Replayed once more (the step ran again after another crash): the same time.
    expect((await effects.send("run_1:1:1", { text: "Hi" })).sentAt).toBe(begunAt);
  });

  it("still unknown after every attempt: the intent stays in flight so a later run reconciles", async () => {
    const effects = await effectsFor(
      standInChannel(async () => {
        throw unknownOutcome();
      }, true),
    );
    const error = await effects.send("run_1:1:1", { text: "Hi" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ details: { outcome: "unknown" } });
    expect((await store.effects.get("run_1:1:1"))?.status).toBe("in_flight");
  });
});
