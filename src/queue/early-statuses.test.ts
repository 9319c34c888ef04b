import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore } from "../../test/helpers/test-store.js";
import type { StatusEvent } from "../channels/channel.js";
import type { Store } from "../store/store.js";
import { createEarlyStatusSweep, EARLY_STATUS_KEEP_MS } from "./early-statuses.js";

const CHANNEL = "ch_sms";
const status = (providerMessageId: string, value: StatusEvent["status"]): StatusEvent => ({
  kind: "status",
  providerMessageId,
  status: value,
  timestamp: 0,
  recipient: "+14155550100",
});

/**
 * The sweep of statuses kept because their send had not settled (both dialects): applied once the
 * message's provider id is committed, whichever transaction committed first; statuses of messages
 * Tern never sent are forgotten after the keep window; a correlating channel keeps none.
 */
describe("early delivery statuses", () => {
  let store: Store;
  let now = 1_000_000;
  const clock = { now: () => now };
  const notified: string[][] = [];
  let sweep: ReturnType<typeof createEarlyStatusSweep>;

  beforeEach(async () => {
    store = await openTestStore();
    now = 1_000_000;
    notified.length = 0;
    sweep = createEarlyStatusSweep({
      store,
      clock,
      notify: (keys) => notified.push(keys),
      log: { warn: () => undefined },
      firstDelayMs: 1,
      maxDelayMs: 1,
    });
  });
  afterEach(async () => {
    await sweep.stop();
    await store.close();
  });

  const receive = (events: StatusEvent[]) =>
    store.write((tx) => tx.inbox.ingest(CHANNEL, events, clock.now()), {
      group: true,
    });
  const kept = async () => (await store.statuses.nextCheckAt()) !== null;
  const settle = async (providerMessageId: string) => {
    await store.write(async (tx) => {
      await tx.contacts.addMessage({
        channelId: CHANNEL,
        contactId: "ct_1",
        direction: "out",
        text: "Hello",
        providerMessageId,
        effectKey: `run_1:send:${providerMessageId}`,
        runId: "run_1",
        status: "sent",
        now,
      });
    });
  };
  const statusOf = async (providerMessageId: string) =>
    (await store.contacts.messages("ct_1", 10)).find((m) => m.providerMessageId === providerMessageId)
      ?.status;

  it("applies a status kept before its message settled, in order, and forgets it", async () => {
    await receive([status("SM1", "sent"), status("SM1", "delivered")]);
    expect(await kept()).toBe(true);
    await settle("SM1");
    now += 250;
    sweep.poke();
    await expect.poll(kept).toBe(false);
    expect(await statusOf("SM1")).toBe("delivered");
  });

  it("keeps a status that matches nothing while the window lasts, then forgets it", async () => {
    await receive([status("SM-elsewhere", "delivered")]);
    // Looked at, found nothing, and due again later: as long as it waited so far (250 ms).
    now += 250;
    sweep.poke();
    await expect.poll(async () => await store.statuses.nextCheckAt()).toBe(now + 250);
    now += 1_000;
    sweep.poke();
    await expect.poll(async () => await store.statuses.nextCheckAt()).toBe(now + 1_250);
    now += EARLY_STATUS_KEEP_MS + 1;
    sweep.poke();
    await expect.poll(kept).toBe(false);
  });

  it("keeps nothing of a status carrying a correlation that names no message (not Tern's send)", async () => {
    await receive([{ ...status("wamid.unknown", "failed"), correlationId: "run_9:send:elsewhere" }]);
    expect(await kept()).toBe(false);
  });

  it("a redelivered early status is kept once", async () => {
    await receive([status("SM2", "failed")]);
    await receive([status("SM2", "failed")]);
    await settle("SM2");
    now += 250;
    sweep.poke();
    await expect.poll(kept).toBe(false);
    expect(await statusOf("SM2")).toBe("failed");
  });
});
