import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore } from "../../test/helpers/test-store.js";
import type { InboundMessage } from "../channels/channel.js";
import { AppError, toAppError } from "../core/app-error.js";
import { createMetrics } from "../core/metrics.js";
import { createEngine } from "../flows/engine.js";
import type { Integrations } from "../services/integrations.js";
import { conversationKey } from "../store/repos/inbox-repo.js";
import type { Store } from "../store/store.js";
import { MAX_PROCESSING_ATTEMPTS } from "./failures.js";
import { createWorker } from "./worker.js";

/**
 * The retry side of the poison-message policy (the permanent side is end to end in
 * test/e2e/poison-messages.test.ts): a failure that may pass is retried with back-off, a
 * bounded number of times, then the message is dead-lettered like a permanent failure.
 */
describe("a message whose processing fails transiently", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const message: InboundMessage = {
    kind: "message",
    providerMessageId: "wamid.1",
    from: "16315551181",
    timestamp: 0,
    content: { type: "text", text: "Hi" },
  };

  /** Processes the one message, whose channel lookup fails as `fail(call)` says, until it is settled. */
  const processFailing = async (fail: (call: number) => never) => {
    let calls = 0;
    const delays: number[] = [];
    const warnings: object[] = [];
    const errors: Array<{ o: object; m?: string }> = [];
    const metrics = createMetrics();
    const worker = createWorker({
      store,
      clock: { now: () => Date.now() },
      engine: createEngine(),
      integrations: { channel: () => fail(++calls) } as unknown as Integrations,
      flow: async () => {
        throw new Error("no flow is needed before the channel");
      },
      fetch: () => Promise.reject(new Error("no network in this test")),
      sleep: async () => undefined,
      metrics,
      retryDelayMs: (attempt) => {
        delays.push(attempt);
        return 1;
      },
      log: {
        info: () => undefined,
        warn: (o) => warnings.push(o),
        error: (o, m) => errors.push({ o, m }),
      },
    });
    await store.write((tx) => tx.inbox.ingest("ch_1", [message], Date.now()));
    const key = conversationKey("ch_1", message.from);
    await worker.recover();

    const deadline = Date.now() + 5_000;
    while ((await store.inbox.nextPending(key)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    await worker.idle();
    worker.stop();
    expect(await store.inbox.nextPending(key)).toBeUndefined();
    return { calls, delays, warnings, errors, metrics };
  };

  it("is retried with back-off and dead-lettered once its attempts are used up, not retried forever", async () => {
    const { calls, delays, warnings, errors, metrics } = await processFailing(() => {
      throw new AppError("NETWORK_ERROR", "the channel's configuration could not be read", {
        retry: "default",
      });
    });
    expect(calls).toBe(MAX_PROCESSING_ATTEMPTS);
    expect(delays).toEqual([1, 2, 3, 4]);
    expect(warnings).toHaveLength(MAX_PROCESSING_ATTEMPTS - 1);
    expect(await store.rejectedEvents.list("ch_1", 10)).toMatchObject([
      { reason: "processing_failed", detail: "NETWORK_ERROR: the channel's configuration could not be read" },
    ]);
    expect(errors.map((e) => e.m)).toEqual(["message dead-lettered: processing failed"]);
    expect(metrics.counter("tern_inbox_dead_lettered_total", "").value({ code: "NETWORK_ERROR" })).toBe(1);
  });

  it("waits for the database however many attempts that takes: its failure never dead-letters the message", async () => {
    const outage = 2 * MAX_PROCESSING_ATTEMPTS;
    const { calls, delays, errors } = await processFailing((call) => {
      // The database is down for twice the attempts a transient failure gets, wrapped by a step's
      // bookkeeping half the time; then the message meets a failure of its own.
      if (call <= outage) {
        const down = Object.assign(new Error("terminating connection due to administrator command"), {
          code: "57P01",
        });
        throw call % 2 ? down : toAppError(down);
      }
      throw new AppError("CHANNEL_NOT_FOUND", "the channel was deleted");
    });
    expect(calls).toBe(outage + 1);
    expect(delays).toEqual(Array.from({ length: outage }, (_, i) => i + 1));
    // Dead-lettered for what the message met once the database was back, not for the outage.
    expect(await store.rejectedEvents.list("ch_1", 10)).toMatchObject([
      { reason: "processing_failed", detail: "CHANNEL_NOT_FOUND: the channel was deleted" },
    ]);
    expect(errors.map((e) => e.m)).toEqual(["message dead-lettered: processing failed"]);
  });
});
