import { describe, expect, it } from "vitest";
import type { RunSummary } from "../api/types";
import { runStepOf } from "./run-step";

const run = (over: Partial<RunSummary>): RunSummary => ({
  id: "run_1",
  flowId: "flow_1",
  flowVersion: 1,
  channelId: "ch_1",
  contactId: "ct_1",
  status: "running",
  currentStep: null,
  waitingFor: null,
  error: null,
  endReason: null,
  createdAt: "2026-12-07T06:11:21.647Z",
  updatedAt: "2026-12-07T06:11:21.680Z",
  ...over,
});

describe("the step a run shows", () => {
  it("is the one a failed run failed at (the API's currentStep is null then)", () => {
    expect(runStepOf(run({ status: "failed", error: { code: "X", message: "m", stepId: "mk" } }))).toEqual({
      label: "Failed at step",
      stepId: "mk",
    });
  });

  it("is the one an ended run ended at, and the current one otherwise", () => {
    expect(
      runStepOf(run({ status: "ended", endReason: { code: "ENDED", message: "m", stepId: "ask" } })),
    ).toEqual({ label: "Ended at step", stepId: "ask" });
    expect(runStepOf(run({ status: "waiting", currentStep: "ask" }))).toEqual({
      label: "Current step",
      stepId: "ask",
    });
    expect(runStepOf(run({ status: "completed" }))).toEqual({ label: "Current step", stepId: null });
  });
});
