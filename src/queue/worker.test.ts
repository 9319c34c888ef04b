import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore } from "../../test/helpers/test-store.js";
import type { InboundMessage } from "../channels/channel.js";
import { AppError, toAppError } from "../core/app-error.js";
import { createMetrics } from "../core/metrics.js";
import { createEngine } from "../flows/engine.js";
import type { Flow } from "../flows/schema.js";
import { validateFlow } from "../flows/validate.js";
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

/**
 * Found by a multi-process audit: a worker starved of CPU past its heartbeat was presumed dead
 * while it routed a first message; the survivor started the run, and the starved worker then
 * started a second one for the same message (two greetings, two timeouts, one inbox row).
 */
describe("a first message that another process started a run for meanwhile", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it("starts one run: the late process's write is refused, not a second run", async () => {
    const definition = {
      schema: "tern.flow/v1",
      name: "waits",
      trigger: { type: "message", channels: ["telegram"] },
      start: "w",
      steps: [{ id: "w", type: "wait", duration: "PT1H" }],
    };
    const parsed = validateFlow(definition).flow;
    if (!parsed) throw new Error("the test flow is invalid");
    const flow: Flow = parsed;
    await store.write(async (tx) => {
      await tx.flows.create("f", "waits", definition, 1);
      await tx.flows.publish("f", 1, 2);
    });
    const message: InboundMessage = {
      kind: "message",
      providerMessageId: "tg.1",
      from: "42",
      timestamp: 0,
      content: { type: "text", text: "hello" },
    };
    await store.write((tx) => tx.inbox.ingest("ch_1", [message], Date.now()));
    const key = conversationKey("ch_1", message.from);

    const errors: unknown[] = [];
    const workerOf = (loadFlow: () => Promise<Flow>) =>
      createWorker({
        store,
        clock: { now: () => Date.now() },
        engine: createEngine(),
        integrations: {
          channel: async () => ({ definition: { type: "telegram" } }),
        } as unknown as Integrations,
        flow: loadFlow,
        fetch: () => Promise.reject(new Error("no network in this test")),
        sleep: async () => undefined,
        log: { info: () => undefined, warn: () => undefined, error: (o) => errors.push(o) },
      });
    let routed!: () => void;
    const isRouting = new Promise<void>((resolve) => {
      routed = resolve;
    });
    let resume!: () => void;
    let isFirst = true;
    const stalled = workerOf(async () => {
      // Only its routing stalls (the moment it was presumed dead).
      if (isFirst) {
        isFirst = false;
        routed();
        await new Promise<void>((resolve) => {
          resume = resolve;
        });
      }
      return flow;
    });
    const survivor = workerOf(async () => flow);

    await stalled.recover();
    await isRouting;
    await survivor.recover();
    await survivor.idle();
    resume();
    await stalled.idle();
    stalled.stop();
    survivor.stop();

    const runs = (await store.runs.list({ limit: 10 })).filter((r) => r.conversationKey === key);
    expect(runs).toHaveLength(1);
    expect(await store.inbox.nextPending(key)).toBeUndefined();
    expect(errors).toEqual([
      expect.objectContaining({ err: expect.objectContaining({ name: "HandedBackError" }) }),
    ]);
  });
});
