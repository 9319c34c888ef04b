import { describe, expect, it } from "vitest";
import { runSummary } from "./run-fixture";
import { retryOutcome } from "./run-retry";

const run = runSummary;

describe("what a retry came to", () => {
  it("says it failed again when the run read afterwards failed, not the retry's 'running'", () => {
    expect(
      retryOutcome(
        "mk",
        run({ status: "failed", error: { code: "HTTP_ADDRESS_REFUSED", message: "refused" } }),
      ),
    ).toBe("Retried step mk: it failed again (HTTP_ADDRESS_REFUSED). The error is below.");
  });

  it("names where the run went on to", () => {
    expect(
      retryOutcome(
        "mk",
        run({
          status: "waiting",
          currentStep: "ask",
          waitingFor: { stepId: "ask", timeoutAt: null, for: "reply" },
        }),
      ),
    ).toBe("Retried step mk: the run goes on and waits at step ask.");
    expect(retryOutcome("mk", run({ status: "completed" }))).toBe("Retried step mk: the run completed.");
    expect(retryOutcome(null, run({ status: "running" }))).toBe(
      "Retried the failed step: the run is still running.",
    );
  });
});
