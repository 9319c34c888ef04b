import { describe, expect, it } from "vitest";
import { heldUntil } from "../../test/helpers/held-until.js";
import type { InboxItem, MessageItem } from "../store/repos/inbox-repo.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { Store } from "../store/store.js";
import { joinBurst } from "./burst.js";
import { PARTS_WAIT_MS, takeParts } from "./sms-parts.js";

/** Which pending rows make one long SMS, and until when its conversation is held. */
const row = (
  id: number,
  receivedAt: number,
  text: string,
  part?: { ref: string; index: number; count: number },
) =>
  ({
    id,
    channelId: "ch",
    conversationKey: "ch:1",
    receivedAt,
    message: {
      kind: "message",
      providerMessageId: `p${id}`,
      from: "1",
      timestamp: receivedAt,
      content: { type: "text", text },
      ...(part && { part }),
    },
  }) as MessageItem;
const take = (pending: InboxItem[], now: number, first = pending[0] as MessageItem, run?: RunRow) =>
  takeParts(
    {
      store: { inbox: { pendingItems: async () => pending } } as unknown as Store,
      clock: { now: () => now },
    },
    first,
    run,
  );
const p = (ref: string, index: number, count = 3) => ({ ref, index, count });

describe("the parts of a long SMS", () => {
  it("are not looked at for a whole message", async () => {
    expect(await take([row(1, 1_000, "hello")], 1_000)).toBeNull();
  });

  it("wait for the missing part, then make one message in part order whatever order they came in", async () => {
    const third = row(1, 1_000, "the end.", p("7", 3));
    const first = row(2, 1_200, "It was ", p("7", 1));
    const other = row(3, 1_300, "a later message");
    const second = row(4, 1_400, "the best of times, to ", p("7", 2));
    expect(await heldUntil(take([third, first, other], 2_000))).toBe(1_000 + PARTS_WAIT_MS);
    const parts = (await take([third, first, other, second], 2_000)) as MessageItem[];
    expect(parts.map((r) => r.id)).toEqual([2, 4, 1]);
    expect(joinBurst(parts).content).toEqual({ type: "text", text: "It was the best of times, to the end." });
    expect(joinBurst(parts)).not.toHaveProperty("part");
  });

  it("after the wait, the parts that came are the message; another ref's parts are not taken", async () => {
    const a1 = row(1, 1_000, "alpha ", p("a", 1));
    const b1 = row(2, 1_100, "beta ", p("b", 1));
    const a3 = row(3, 1_200, "gamma", p("a", 3));
    const parts = (await take([a1, b1, a3], 1_000 + PARTS_WAIT_MS)) as MessageItem[];
    expect(parts.map((r) => r.id)).toEqual([1, 3]);
    expect(joinBurst(parts).content).toEqual({ type: "text", text: "alpha gamma" });
  });

  it("are not held past the waiting run's deadline", async () => {
    const run = { status: "waiting", timeoutAt: 5_000 } as unknown as RunRow;
    const a1 = row(1, 1_000, "alpha ", p("a", 1));
    expect(await heldUntil(take([a1], 2_000, a1, run))).toBe(5_000);
    expect(((await take([a1], 5_000, a1, run)) as MessageItem[]).map((r) => r.id)).toEqual([1]);
  });

  it("are not held when the clock stepped back since they were stamped", async () => {
    const a1 = row(1, 1_000 + 3_600_000, "alpha ", p("a", 1));
    expect(((await take([a1], 1_000)) as MessageItem[]).map((r) => r.id)).toEqual([1]);
  });

  it("take a part that came twice under two ids once, and its repeat along with it", async () => {
    const a1 = row(1, 1_000, "one ", p("a", 1, 2));
    const again = row(2, 1_050, "one ", p("a", 1, 2));
    const a2 = row(3, 1_100, "two", p("a", 2, 2));
    const parts = (await take([a1, again, a2], 1_200)) as MessageItem[];
    expect(parts.map((r) => r.id)).toEqual([1, 3, 2]);
    expect(joinBurst(parts).content).toEqual({ type: "text", text: "one two" });
  });
});
