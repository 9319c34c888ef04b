import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore } from "../../test/helpers/test-store.js";
import type { RunState } from "../flows/runtime.js";
import type { Store } from "../store/store.js";
import { moveWaitingRuns } from "./publish-policy.js";

/** The move policy's rules, on the store: by step id and type, only unchanged waiting runs. */
const definition = (steps: Array<[string, string]>) => ({ steps: steps.map(([id, type]) => ({ id, type })) });
const v1 = definition([
  ["ask_name", "ask"],
  ["ask_city", "ask"],
  ["create", "salesforce.create"],
]);
const v2 = definition([
  ["ask_name", "ask"],
  ["ask_city", "send"], // same id, another type: its wait would mean something else
  ["create", "salesforce.create"],
]);

describe("publish policy: move", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTestStore();
    await store.write(async (tx) => {
      await tx.flows.create("flow_1", "f", v1, 1);
      await tx.flows.addVersion("flow_1", "f", v2, 2);
    });
  });
  afterEach(async () => {
    await store.close();
  });

  const waitingAt = (id: string, stepId: string, extra: Partial<RunState> = {}): RunState => ({
    runId: id,
    flowId: "flow_1",
    flowVersion: 1,
    status: "waiting",
    cursor: { stepId, visit: 1 },
    visits: 1,
    vars: {},
    steps: {},
    wait: { stepId, visit: 1, for: "reply", timeoutAt: null },
    error: null,
    ...extra,
  });
  async function insert(state: RunState) {
    await store.write((tx) =>
      tx.runs.insert({
        id: state.runId,
        flowId: "flow_1",
        flowVersion: state.flowVersion,
        channelId: "ch_1",
        contactId: "ct_1",
        conversationKey: `ch_1:${state.runId}`,
        status: state.status,
        state,
        timeoutAt: null,
        createdAt: 1,
      }),
    );
  }

  it("moves a run waiting at a step with the same id and type; keeps one whose step changed type, a paused step, and one inside a subflow", async () => {
    await insert(waitingAt("run_name", "ask_name"));
    await insert(waitingAt("run_city", "ask_city"));
    await insert(
      waitingAt("run_paused", "create", {
        wait: { stepId: "create", visit: 1, for: "retry", timeoutAt: 5 },
      }),
    );
    const frame = {
      flowId: "flow_child",
      flowVersion: 1,
      callerStepId: "sub",
      callerVisit: 1,
      callerVars: {},
      callerSteps: {},
      input: null,
    };
    await insert(waitingAt("run_sub", "ask_name", { frames: [frame] }));

    const outcome = await store.write((tx) =>
      moveWaitingRuns(tx, "flow_1", { version: 2, definition: v2 }, 10),
    );
    expect(outcome).toEqual({ moved: 2, stayed: 2 });
    const versions = Object.fromEntries(
      await Promise.all(
        ["run_name", "run_city", "run_paused", "run_sub"].map(async (id) => {
          const run = await store.runs.get(id);
          return [id, [run?.flowVersion, run?.state.flowVersion]];
        }),
      ),
    );
    expect(versions).toEqual({
      run_name: [2, 2],
      run_city: [1, 1],
      run_paused: [2, 2],
      run_sub: [1, 1],
    });
  });

  it("does not move a run whose state changed since it was read, and a step saved from an old state takes its version back", async () => {
    const state = waitingAt("run_1", "ask_name");
    await insert(state);
    const stale = JSON.stringify({ ...state, vars: { other: true } });
    expect(
      await store.write((tx) => tx.runs.moveToVersion("run_1", stale, { ...state, flowVersion: 2 }, 10)),
    ).toBe(false);
    expect((await store.runs.get("run_1"))?.flowVersion).toBe(1);

    expect(
      await store.write((tx) => moveWaitingRuns(tx, "flow_1", { version: 2, definition: v2 }, 10)),
    ).toEqual({
      moved: 1,
      stayed: 0,
    });
    expect((await store.runs.get("run_1"))?.flowVersion).toBe(2);
    // A worker that had the run in memory before the move saves its next step on version 1.
    await store.write((tx) => tx.runs.saveStep({ ...state, status: "running" }, null, 11));
    expect((await store.runs.get("run_1"))?.flowVersion).toBe(1);
  });
});
