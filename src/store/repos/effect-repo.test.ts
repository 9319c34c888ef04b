import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertTestRun } from "../../../test/helpers/test-runs.js";
import { openTestStore } from "../../../test/helpers/test-store.js";
import type { Store } from "../store.js";

/** `beginFresh`: the intent in one statement, only for a new key of an active run. */
describe("effect repository: beginFresh", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const insertRun = (id: string, status: "running" | "waiting") =>
    insertTestRun(store, id, { status, conversationKey: `ch_1:${id}` });

  it("records the intent of a new key of a running or waiting run, as begin() would", async () => {
    await insertRun("run_1", "running");
    await insertRun("run_2", "waiting");
    const now = 1_764_000_000_123; // past 2^31: a bigint column on PostgreSQL
    expect(await store.write((tx) => tx.effects.beginFresh("run_1:1:0", "send", "run_1", now))).toBe(true);
    expect(await store.write((tx) => tx.effects.beginFresh("run_2:1:0", "sf.create", "run_2", now))).toBe(
      true,
    );
    await store.write((tx) => tx.effects.begin("run_1:2:0", "send", now));
    const viaBegin = await store.effects.get("run_1:2:0");
    expect(await store.effects.get("run_1:1:0")).toEqual({ ...viaBegin, key: "run_1:1:0" });
    expect(await store.effects.get("run_2:1:0")).toMatchObject({
      kind: "sf.create",
      status: "in_flight",
      attempts: 1,
      intentAt: now,
    });
  });

  it("writes nothing for a key that exists, whatever its status, and leaves that record as it was", async () => {
    await insertRun("run_1", "running");
    await store.write((tx) => tx.effects.begin("run_1:1:0", "send", 5));
    await store.write((tx) => tx.effects.finish("run_1:1:0", { providerMessageId: "wamid.1" }, 6));
    await store.write((tx) => tx.effects.begin("run_1:2:0", "send", 7));
    const before = [await store.effects.get("run_1:1:0"), await store.effects.get("run_1:2:0")];
    expect(await store.write((tx) => tx.effects.beginFresh("run_1:1:0", "send", "run_1", 9))).toBe(false);
    expect(await store.write((tx) => tx.effects.beginFresh("run_1:2:0", "send", "run_1", 9))).toBe(false);
    expect([await store.effects.get("run_1:1:0"), await store.effects.get("run_1:2:0")]).toEqual(before);
  });

  it("writes nothing for a run that was ended, failed, or never existed", async () => {
    await insertRun("run_1", "running");
    await store.write((tx) => tx.runs.end("run_1", 2));
    expect(await store.write((tx) => tx.effects.beginFresh("run_1:1:0", "send", "run_1", 3))).toBe(false);
    expect(await store.write((tx) => tx.effects.beginFresh("run_9:1:0", "send", "run_9", 3))).toBe(false);
    expect(await store.effects.get("run_1:1:0")).toBeUndefined();
    expect(await store.effects.get("run_9:1:0")).toBeUndefined();
  });
});
