import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertTestRun } from "../../../test/helpers/test-runs.js";
import { openTestStore } from "../../../test/helpers/test-store.js";
import type { Store } from "../store.js";

/** A run's progress is a compare-and-set: a run ended or failed elsewhere stays so. */
describe("run repository", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  const insertRun = (id: string) => insertTestRun(store, id);

  it("does not save a step over a run that was ended in the meantime, nor its history record", async () => {
    const state = await insertRun("run_1");
    expect(await store.runs.isActive("run_1")).toBe(true);
    expect(await store.write((tx) => tx.runs.end("run_1", 2))).toBe(true);
    expect(await store.runs.isActive("run_1")).toBe(false);

    const waiting = { ...state, status: "waiting" as const, wait: null };
    const record = {
      runId: "run_1",
      visit: 1,
      stepId: "hello",
      stepType: "send",
      status: "completed" as const,
      input: null,
      output: null,
      error: null,
      next: null,
      startedAt: 2,
      endedAt: 3,
    };
    expect(await store.write((tx) => tx.runs.saveStep(waiting, record, 3))).toBe(false);
    expect(await store.runs.get("run_1")).toMatchObject({
      status: "ended",
      state: { status: "ended", cursor: null },
    });
    expect(await store.runs.steps("run_1")).toEqual([]);
    // Ending or failing it again changes nothing.
    expect(await store.write((tx) => tx.runs.end("run_1", 4))).toBe(false);
    expect(await store.write((tx) => tx.runs.fail("run_1", { code: "INTERNAL", message: "x" }, 4))).toBe(
      false,
    );
  });

  it("saves a step: the run's new state and the step's record together; a replayed visit rewrites its record", async () => {
    const state = await insertRun("run_3");
    const waiting = {
      ...state,
      status: "waiting" as const,
      wait: { stepId: "ask", for: "reply" as const, timeoutAt: 1_764_000_090_000 },
    };
    const record = {
      runId: "run_3",
      visit: 1,
      stepId: "hello",
      stepType: "send",
      status: "completed" as const,
      input: { text: "Hi" },
      output: { providerMessageId: "wamid.1" },
      error: null,
      next: "ask",
      startedAt: 1_764_000_000_000, // past 2^31: bigint columns on PostgreSQL
      endedAt: 1_764_000_000_012,
    };
    expect(await store.write((tx) => tx.runs.saveStep(waiting as never, record, 1_764_000_000_013))).toBe(
      true,
    );
    expect(await store.runs.get("run_3")).toMatchObject({
      status: "waiting",
      timeoutAt: 1_764_000_090_000,
      updatedAt: 1_764_000_000_013,
      state: { status: "waiting", wait: { stepId: "ask" } },
    });
    expect(await store.runs.steps("run_3")).toEqual([
      {
        visit: 1,
        stepId: "hello",
        type: "send",
        status: "completed",
        input: { text: "Hi" },
        output: { providerMessageId: "wamid.1" },
        error: null,
        next: "ask",
        startedAt: new Date(1_764_000_000_000).toISOString(),
        endedAt: new Date(1_764_000_000_012).toISOString(),
        durationMs: 12,
      },
    ]);
    const failed = {
      ...record,
      status: "failed" as const,
      output: null,
      error: { code: "X", message: "y" },
      endedAt: 1_764_000_000_020,
    };
    expect(await store.write((tx) => tx.runs.saveStep(waiting as never, failed, 1_764_000_000_021))).toBe(
      true,
    );
    expect(await store.runs.steps("run_3")).toMatchObject([
      { visit: 1, status: "failed", output: null, error: { code: "X", message: "y" }, durationMs: 20 },
    ]);
    // No record (a step that records nothing): the run alone.
    expect(
      await store.write((tx) => tx.runs.saveStep({ ...state, status: "running" }, null, 1_764_000_000_030)),
    ).toBe(true);
    expect(await store.runs.get("run_3")).toMatchObject({ status: "running", timeoutAt: null });
  });

  it("fails an active run with its error in the state", async () => {
    await insertRun("run_2");
    const error = { code: "CHANNEL_NOT_FOUND", message: 'No channel with id "ch_1"' };
    expect(await store.write((tx) => tx.runs.fail("run_2", error, 5))).toBe(true);
    expect(await store.runs.get("run_2")).toMatchObject({
      status: "failed",
      updatedAt: 5,
      state: { status: "failed", cursor: null, wait: null, error },
    });
  });
  // Found by a multi-process audit: a worker frozen past its heartbeat resumed after another had
  // advanced the run, and its stale state overwrote the newer one; the rewound run's next visits
  // reused effect keys, so their replies were taken as sent and never left.
  it("does not save a state behind the stored one (a process that resumed after the run moved on)", async () => {
    const state = await insertRun("run_5");
    const at = (visits: number, stepId: string) => ({
      ...state,
      status: "waiting" as const,
      visits,
      wait: { stepId, visit: visits, for: "reply" as const, timeoutAt: 1_764_000_090_000 + visits },
    });
    expect(await store.write((tx) => tx.runs.saveStep(at(7, "ask_7"), null, 2))).toBe(true);
    expect(await store.write((tx) => tx.runs.saveStep(at(4, "ask_4"), null, 3))).toBe(false);
    expect(await store.runs.get("run_5")).toMatchObject({ state: { visits: 7, wait: { stepId: "ask_7" } } });
    // The same visit saved again, and progress, are saved.
    expect(await store.write((tx) => tx.runs.saveStep(at(7, "ask_7"), null, 4))).toBe(true);
    expect(await store.write((tx) => tx.runs.saveStep(at(9, "ask_9"), null, 5))).toBe(true);
    expect(await store.runs.get("run_5")).toMatchObject({ state: { visits: 9 }, updatedAt: 5 });
  });
});
