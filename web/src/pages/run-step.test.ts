import { describe, expect, it } from "vitest";
import { runSummary } from "./run-fixture";
import { runStepOf } from "./run-step";

const run = runSummary;

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
