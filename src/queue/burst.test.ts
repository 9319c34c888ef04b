import { describe, expect, it } from "vitest";
import { heldUntil } from "../../test/helpers/held-until.js";
import type { InboundContent } from "../channels/channel.js";
import type { InboxItem, MessageItem } from "../store/repos/inbox-repo.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { Store } from "../store/store.js";
import { joinBurst, MAX_BURST_WINDOWS, takeBurst } from "./burst.js";

/** Which pending messages are one answer, and until when a conversation is held (no store needed). */
const WINDOW = 2_000;
const item = (id: number, receivedAt: number, content: InboundContent = { type: "text", text: `m${id}` }) =>
  ({
    id,
    channelId: "ch",
    conversationKey: "ch:1",
    receivedAt,
    message: { kind: "message", providerMessageId: `p${id}`, from: "1", timestamp: receivedAt, content },
  }) as MessageItem;
const waiting = (timeoutAt: number | null = null) =>
  ({
    status: "waiting",
    timeoutAt,
    state: { wait: { for: "reply", stepId: "ask", visit: 1, timeoutAt } },
  }) as unknown as RunRow;
/** `run` null: the conversation has no active run. */
const take = (pending: InboxItem[], now: number, run: RunRow | null = waiting(), windowMs = WINDOW) =>
  takeBurst(
    {
      store: { inbox: { pendingItems: async () => pending } } as unknown as Store,
      clock: { now: () => now },
      windowMs,
    },
    pending[0] as MessageItem,
    run ?? undefined,
  );

describe("burst grouping", () => {
  const a = item(1, 1_000);
  const b = item(2, 1_300);
  const c = item(3, 1_600);

  it("holds while the window since the last message is open, then takes them all", async () => {
    expect(await heldUntil(take([a, b, c], 2_000))).toBe(1_600 + WINDOW);
    expect((await take([a, b, c], 1_600 + WINDOW)).map((m) => m.id)).toEqual([1, 2, 3]);
    expect(joinBurst([a, b, c]).content).toEqual({ type: "text", text: "m1\nm2\nm3" });
    expect(joinBurst([a, b, c]).providerMessageId).toBe("p3");
  });

  it("answers a customer who keeps typing at most a few windows after the first message", async () => {
    const chatty = Array.from({ length: 15 }, (_, i) => item(i + 1, 1_000 + i * 1_000));
    expect(await heldUntil(take(chatty, 5_000))).toBe(1_000 + WINDOW * MAX_BURST_WINDOWS);
  });

  it("never holds a message no ask waits for, or with a window of 0", async () => {
    expect(await take([a, b], 1_400, null)).toEqual([a]);
    expect(await take([a, b], 1_400, { ...waiting(), status: "running" } as RunRow)).toEqual([a]);
    expect(await take([a, b], 1_400, waiting(), 0)).toEqual([a]);
  });

  it("does not hold across the run's own deadline", async () => {
    expect((await take([a, b], 1_400, waiting(2_000))).map((m) => m.id)).toEqual([1, 2]);
  });

  it("keeps messages a window or more apart as separate answers, even when both were pending", async () => {
    // The worker was down while the customer answered, then wrote again a minute later.
    const late = item(4, 1_600 + 60_000);
    expect((await take([a, b, c, late], 70_000)).map((m) => m.id)).toEqual([1, 2, 3]);
    expect(await take([late], 70_000)).toEqual([late]);
    // Exactly a window apart is not "less than" the window: two answers.
    const edge = item(5, 1_000 + WINDOW);
    expect((await take([a, edge], 10_000)).map((m) => m.id)).toEqual([1]);
    expect((await take([a, item(6, 1_000 + WINDOW - 1)], 10_000)).map((m) => m.id)).toEqual([1, 6]);
  });

  it("answers at once when the clock stepped back since the messages were stamped, and keeps later ones apart", async () => {
    // Stamped an hour ahead of the clock now: no hold for that hour.
    const ahead = item(7, 3_601_000);
    expect(await take([ahead], 1_000)).toEqual([ahead]);
    // The customer's next message, stamped after the step back, is the next answer.
    expect((await take([ahead, item(8, 5_000)], 6_000)).map((m) => m.id)).toEqual([7]);
  });

  it("lets a button tap answer on its own and close the burst before it", async () => {
    const tap = item(4, 1_700, { type: "choice", id: "yes", title: "Yes", text: "Yes" });
    expect((await take([a, b, tap], 1_800)).map((m) => m.id)).toEqual([1, 2]);
    expect(await take([tap, c], 1_800)).toEqual([tap]);
  });
});
