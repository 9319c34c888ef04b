import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { standInChannel } from "../../test/helpers/stand-in-channel.js";
import { openTestStore } from "../../test/helpers/test-store.js";
import type { ChannelDefinition } from "../channels/channel.js";
import { graphErrorToAppError } from "../channels/whatsapp/errors.js";
import { WhatsAppConfig, whatsappChannel } from "../channels/whatsapp/index.js";
import { AppError } from "../core/app-error.js";
import type { Store } from "../store/store.js";
import { createEffects } from "./effects.js";
import { createSendPacer } from "./send-pacer.js";

/**
 * The outbox's pacing and pauses, on a real store (SQLite or PostgreSQL, as the suite runs): a
 * provider's rate limit holds the channel's other sends, a number's send rate is kept, and a
 * paused connection's calls are not retried (the sends themselves: effects.test.ts).
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

const channel = standInChannel;

describe("the per-channel send queue", () => {
  it("a 429 with Retry-After holds the channel's other conversations too, then both go out", async () => {
    const time = { t: Date.now() };
    const clock = { now: () => time.t };
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      time.t += ms;
    };
    const pacer = createSendPacer(clock, sleep);
    let calls = 0;
    const definition = channel(async () => {
      calls++;
      if (calls === 1) {
        throw new AppError("CHANNEL_SEND_FAILED", "rate limit reached (HTTP 429)", {
          retry: { afterMs: 7_000 },
          details: { httpStatus: 429 },
        });
      }
      return { providerMessageId: `m.${calls}` };
    }, false);
    const make = async (runId: string, address: string) => {
      const contact = await store.contacts.upsert("ch_1", address, null, null, clock.now());
      return createEffects(
        {
          store,
          clock,
          fetch: () => Promise.reject(new Error("no network in this test")),
          sleep,
          pacer,
          connector: () => {
            throw new Error("no connectors in this test");
          },
        },
        { runId, channel: { id: "ch_1", definition, config: {} }, contact },
      );
    };
    const first = await make("run_1", "4915100000001");
    const second = await make("run_2", "4915100000002");
    const start = time.t;
    expect(await first.send("run_1:1:1", { text: "Hi" })).toEqual({
      providerMessageId: "m.2",
      sentAt: expect.any(Number),
    });
    // The retry waited out the Retry-After, and so does a send of another conversation.
    expect(time.t - start).toBeGreaterThanOrEqual(7_000);
    const pausedAt = time.t;
    expect(await second.send("run_2:1:1", { text: "Hi" })).toEqual({
      providerMessageId: "m.3",
      sentAt: expect.any(Number),
    });
    expect(time.t).toBe(pausedAt);
    pacer.pause("ch_1", 5_000);
    const third = await make("run_3", "4915100000003");
    await third.send("run_3:1:1", { text: "Hi" });
    expect(time.t - pausedAt).toBe(5_000);
  });
});

describe("a provider's rate limit of the whole channel, not said with a 429", () => {
  // WhatsApp answers its throughput limit (130429) with HTTP 400, and a customer's pair limit
  // (131056) too: only the first is the number's, so only it holds the channel's other sends.
  const throttledBy = async (graphCode: number) => {
    const time = { t: Date.now() };
    const clock = { now: () => time.t };
    const sleep = async (ms: number) => {
      time.t += ms;
    };
    const pacer = createSendPacer(clock, sleep);
    const pauses: Array<[string, number]> = [];
    const watched = { ...pacer, pause: (id: string, ms: number) => pauses.push([id, ms]) };
    let calls = 0;
    const definition = channel(async () => {
      calls++;
      if (calls === 1) throw graphErrorToAppError(400, { code: graphCode, message: "limit" }, "token");
      return { providerMessageId: `m.${calls}` };
    }, false);
    const contact = await store.contacts.upsert("ch_1", "4915100000001", null, null, clock.now());
    const effects = createEffects(
      {
        store,
        clock,
        fetch: () => Promise.reject(new Error("no network in this test")),
        sleep,
        pacer: watched,
        connector: () => {
          throw new Error("no connectors in this test");
        },
      },
      { runId: "run_1", channel: { id: "ch_1", definition, config: {} }, contact },
    );
    expect(await effects.send("run_1:1:1", { text: "Hi" })).toEqual({
      providerMessageId: "m.2",
      sentAt: expect.any(Number),
    });
    return pauses;
  };

  it("WhatsApp's throughput limit (130429, HTTP 400) pauses the channel", async () => {
    expect(await throttledBy(130429)).toEqual([["ch_1", 1_000]]);
  });

  it("a pair rate limit (131056) waits for that customer only", async () => {
    expect(await throttledBy(131056)).toEqual([]);
  });
});

describe("the send rate a WhatsApp number is allowed", () => {
  // Meta's throughput: 80 messages/s per number by default, 1,000 once Meta upgraded the number.
  it("paces to the channel's own sendRatePerSecond: 80/s by default, 1,000/s on the upgraded tier", async () => {
    const rates: Array<number | undefined> = [];
    const pacer = {
      wait: async (_id: string, perSecond: number | undefined) => void rates.push(perSecond),
      pause() {},
    };
    const definition = {
      ...whatsappChannel,
      send: async () => ({ providerMessageId: "wamid.1" }),
    } as ChannelDefinition;
    const base = { phoneNumberId: "1", accessToken: "t", appSecret: "s", verifyToken: "v" };
    for (const [i, config] of [
      WhatsAppConfig.parse(base),
      WhatsAppConfig.parse({ ...base, sendRatePerSecond: 1_000 }),
    ].entries()) {
      const contact = await store.contacts.upsert("ch_wa", `49151000000${20 + i}`, null, null, Date.now());
      const effects = createEffects(
        {
          store,
          clock: { now: () => Date.now() },
          fetch: () => Promise.reject(new Error("no network in this test")),
          sleep: async () => {},
          pacer,
          connector: () => {
            throw new Error("no connectors in this test");
          },
        },
        { runId: `run_wa${i}`, channel: { id: "ch_wa", definition, config }, contact },
      );
      await effects.send(`run_wa${i}:1:1`, { text: "Hi" });
    }
    expect(rates).toEqual([80, 1_000]);
    expect(() =>
      WhatsAppConfig.parse({
        phoneNumberId: "1",
        accessToken: "t",
        appSecret: "s",
        verifyToken: "v",
        sendRatePerSecond: 5_000,
      }),
    ).toThrow();
  });
});

/** The run the connector tests' effects belong to, on channel ch_1. */
const runOf = (contact: { id: string; address: string }) => ({
  runId: "run_1",
  channel: { id: "ch_1", definition: channel(async () => ({ providerMessageId: "x" }), true), config: {} },
  contact: { id: contact.id, address: contact.address },
});

describe("connector calls on a paused connection", () => {
  it("are not retried or slept on; the effect is recorded failed and the same key runs again after the pause", async () => {
    const contact = await store.contacts.upsert("ch_1", "4915100000010", null, null, Date.now());
    let calls = 0;
    let isPaused = true;
    const until = Date.now() + 60_000;
    const runtime = {
      test: async () => ({}),
      actions: {
        create: {
          run: async () => {
            calls++;
            if (isPaused) throw new AppError("CONFLICT", "quota used up", { retry: { pausedUntil: until } });
            return { id: "rec_1" };
          },
        },
      },
    };
    const effects = createEffects(
      {
        store,
        clock: { now: () => Date.now() },
        fetch: () => Promise.reject(new Error("no network in this test")),
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        connector: async () => ({ runtime, id: "conn_1", config: {} }),
      },
      runOf(contact),
    );
    const error = await effects.call("run_1:1:1", "sf", "create", {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ retry: { pausedUntil: until } });
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
    expect((await store.effects.get("run_1:1:1"))?.status).toBe("failed");
    isPaused = false;
    await expect(effects.call("run_1:1:1", "sf", "create", {})).resolves.toEqual({ id: "rec_1" });
    expect(calls).toBe(2);
  });

  it("an http request through a connection that cannot authenticate HTTP fails, and nothing is sent", async () => {
    // Publishing refuses such a step (installation-check.ts); a connection replaced by one of
    // another type after the publish still meets this guard at run time.
    const contact = await store.contacts.upsert("ch_1", "4915100000011", null, null, Date.now());
    const sent: string[] = [];
    const effects = createEffects(
      {
        store,
        clock: { now: () => Date.now() },
        fetch: (url) => {
          sent.push(String(url));
          return Promise.reject(new Error("no network in this test"));
        },
        sleep: async () => {},
        connector: async () => ({
          runtime: { test: async () => ({}), actions: {} },
          id: "conn_2",
          config: {},
        }),
      },
      runOf(contact),
    );
    const spec = {
      method: "GET",
      url: "https://api.example.com/a",
      headers: {},
      connection: "sf",
      timeoutMs: 1_000,
      retries: 0,
    };
    await expect(effects.http?.("run_1:1:2", spec)).rejects.toMatchObject({
      code: "CONNECTION_INVALID",
      message: expect.stringContaining('Connection "sf" cannot authenticate HTTP requests'),
    });
    expect(sent).toEqual([]);
  });
});
